package scenario

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/goafd/afd"
)

func TestVerdictString(t *testing.T) {
	for v, want := range map[Verdict]string{
		VerdictMatch:    "yes",
		VerdictMismatch: "NO",
		VerdictWine:     "wine",
		VerdictError:    "error",
		Verdict(9):      "Verdict(9)",
	} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", int(v), got, want)
		}
	}
}

func TestFailed(t *testing.T) {
	rs := func(vs ...Verdict) []Result {
		var out []Result
		for _, v := range vs {
			out = append(out, Result{Verdict: v})
		}
		return out
	}
	tests := []struct {
		results []Result
		strict  bool
		want    bool
	}{
		{nil, false, false},
		{rs(VerdictMatch, VerdictMatch), true, false},
		{rs(VerdictMatch, VerdictWine), false, false},
		{rs(VerdictMatch, VerdictWine), true, true},
		{rs(VerdictMatch, VerdictMismatch), false, true},
		{rs(VerdictError), false, true},
	}
	for _, tt := range tests {
		if got := Failed(tt.results, tt.strict); got != tt.want {
			t.Errorf("Failed(%v, strict=%v) = %v, want %v", tt.results, tt.strict, got, tt.want)
		}
	}
}

// sample returns results like those the scenarios produce.
func sample() []Result {
	return []Result{
		{
			Name:     "connect-fail",
			Expected: "CONNECT_FAIL [STATUS_CONNECTION_REFUSED]",
			Polls: []Poll{{
				Label: "connect", Handles: 1, Requested: afd.Send | afd.ConnectFail,
				Timeout: -1, Submit: afd.StatusPending, Completed: true, Status: afd.StatusSuccess, Count: 1,
				Ready:  []Entry{{Index: 0, Events: afd.ConnectFail, Status: afd.StatusConnectionRefused}},
				Queued: true, Key: 1, Bytes: 32, Took: 2 * time.Second,
			}},
			Verdict: VerdictMatch,
		},
		{
			Name:     "send-full",
			Expected: "full: no SEND; drained: SEND",
			Polls: []Poll{
				{Label: "full", Requested: afd.Send, Status: afd.StatusTimeout, Completed: true},
				{Label: "drained", Requested: afd.Send, Status: afd.StatusSuccess, Completed: true, Count: 1,
					Ready: []Entry{{Events: afd.Send}}},
			},
			Notes:   []string{"filled with 32768 bytes"},
			Verdict: VerdictMatch,
		},
		{
			Name:       "two-polls",
			Expected:   "RECEIVE completes",
			Polls:      []Poll{{Requested: afd.Receive, Status: afd.StatusCancelled}, {Requested: afd.Disconnect, Status: afd.StatusPending}},
			Mismatches: []string{`poll "RECEIVE" did not complete`},
			Verdict:    VerdictMismatch,
		},
		{
			Name:      "close-device",
			Expected:  "STATUS_TIMEOUT",
			Polls:     []Poll{{Requested: afd.Receive, Status: afd.StatusHandlesClosed}},
			WineNotes: []string{"STATUS_HANDLES_CLOSED\ninstead"},
			Verdict:   VerdictWine,
		},
		{Name: "broken", Err: "afd: open: STATUS_ACCESS_DENIED", Verdict: VerdictError},
	}
}

func TestRow(t *testing.T) {
	rs := sample()
	want := [][]string{
		{"connect-fail", "SEND|CONNECT_FAIL", "CONNECT_FAIL", "STATUS_SUCCESS [STATUS_CONNECTION_REFUSED]",
			"CONNECT_FAIL [STATUS_CONNECTION_REFUSED]", "yes", ""},
		{"send-full", "SEND", "0; SEND", "STATUS_TIMEOUT; STATUS_SUCCESS", "full: no SEND; drained: SEND", "yes",
			"filled with 32768 bytes"},
		{"two-polls", "RECEIVE; DISCONNECT", "0; 0", "STATUS_CANCELLED; STATUS_PENDING", "RECEIVE completes", "NO",
			`poll "RECEIVE" did not complete`},
		{"close-device", "RECEIVE", "0", "STATUS_HANDLES_CLOSED", "STATUS_TIMEOUT", "wine", "STATUS_HANDLES_CLOSED instead"},
		{"broken", "-", "-", "-", "", "error", "afd: open: STATUS_ACCESS_DENIED"},
	}
	for i := range rs {
		got := rs[i].Row()
		if len(got) != len(Header) {
			t.Fatalf("%s: %d columns, header has %d", rs[i].Name, len(got), len(Header))
		}
		if strings.Join(got, "|") != strings.Join(want[i], "|") {
			t.Errorf("%s: row\n got %q\nwant %q", rs[i].Name, got, want[i])
		}
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1+len(sample())+1 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	if !strings.HasPrefix(lines[0], "SCENARIO ") {
		t.Errorf("header %q", lines[0])
	}
	for i, line := range lines {
		if strings.HasSuffix(line, " ") {
			t.Errorf("line %d ends in spaces: %q", i, line)
		}
	}
	// Columns are aligned: every MATCH cell starts where the header's does.
	col := strings.Index(lines[0], "MATCH")
	for i, v := range []string{"yes", "yes", "NO", "wine", "error"} {
		line := lines[1+i]
		if len(line) < col || !strings.HasPrefix(line[col:], v+" ") && line[col:] != v {
			t.Errorf("row %d: MATCH column does not hold %q:\n%s\n%s", i, v, lines[0], line)
		}
	}
	const summary = "5 scenarios: 2 match, 1 Wine difference, 1 mismatch, 1 error"
	if got := lines[len(lines)-1]; got != summary {
		t.Errorf("summary %q, want %q", got, summary)
	}
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sample()[:1]); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(got) != 1 {
		t.Fatalf("%d results", len(got))
	}
	r := got[0]
	if r["name"] != "connect-fail" || r["match"] != "yes" {
		t.Errorf("name %v, match %v", r["name"], r["match"])
	}
	p := r["polls"].([]any)[0].(map[string]any)
	for k, want := range map[string]any{
		"requested": "SEND|CONNECT_FAIL",
		"reported":  "CONNECT_FAIL",
		"status":    "STATUS_SUCCESS",
		"submit":    "STATUS_PENDING",
		"timeout":   "never",
		"took":      "2s",
		"queued":    true,
	} {
		if p[k] != want {
			t.Errorf("poll %s = %v, want %v", k, p[k], want)
		}
	}
	e := p["ready"].([]any)[0].(map[string]any)
	if e["events"] != "CONNECT_FAIL" || e["status"] != "STATUS_CONNECTION_REFUSED" {
		t.Errorf("ready entry %v", e)
	}

	buf.Reset()
	if err := WriteJSON(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(buf.String()); got != "[]" {
		t.Errorf("no results: %q, want []", got)
	}
}

func TestStatusName(t *testing.T) {
	if got := statusName(afd.StatusCancelled); got != "STATUS_CANCELLED" {
		t.Errorf("got %q", got)
	}
	if got := statusName(0xC0001234); got != "0xC0001234" {
		t.Errorf("got %q", got)
	}
}
