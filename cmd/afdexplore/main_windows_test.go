package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/goafd/afd/internal/scenario"
)

// runCmd runs the command as main does and returns its exit status and
// output.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = run(args, &out, &errw)
	t.Logf("afdexplore %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errw.String())
	return code, out.String(), errw.String()
}

// TestWalkThrough runs the seed article's program, as the command does
// with no flags.
func TestWalkThrough(t *testing.T) {
	code, out, _ := runCmd(t)
	if code != exitOK {
		t.Fatalf("exit %d, want %d", code, exitOK)
	}
	for i, want := range []string{
		`Open \Device\Afd\explore with NtCreateFile`,
		"Create an I/O completion port",
		"Associate the AFD handle with the port",
		"FILE_SKIP_SET_EVENT_ON_HANDLE",
		"SIO_BASE_HANDLE gives its base socket",
		"Start a non-blocking connect",
		"Issue IOCTL_AFD_POLL (0x00012024)",
		"Dequeue with GetQueuedCompletionStatusEx",
		"Recover the request from the IO_STATUS_BLOCK pointer",
		"AFD_POLL_CONNECT_FAIL, status 0xC0000236 STATUS_CONNECTION_REFUSED",
	} {
		step := fmt.Sprintf("%2d. ", i+1)
		if !strings.Contains(out, step) || !strings.Contains(out[strings.Index(out, step):], want) {
			t.Errorf("no step %q with %q", step, want)
		}
	}
	const article = "The connect failed, as in the article: AFD_POLL_CONNECT_FAIL, status 0xC0000236 STATUS_CONNECTION_REFUSED.\n"
	const wineRace = "The connect failed, as in the article, but Wine added AFD_POLL_RECEIVE"
	_, wine := scenario.Wine()
	switch {
	case strings.HasSuffix(out, article):
	case wine && strings.Contains(out, wineRace):
		t.Log("known Wine difference: RECEIVE with CONNECT_FAIL")
	default:
		t.Errorf("output does not end with the article's result")
	}
}

// TestAll runs every scenario through the command and checks the table
// and the exit status against the scenarios' verdicts.
func TestAll(t *testing.T) {
	code, out, stderr := runCmd(t, "-all")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var header int
	for header < len(lines) && !strings.HasPrefix(lines[header], "SCENARIO ") {
		header++
	}
	if header == len(lines) {
		t.Fatal("no table header")
	}
	rows := lines[header+1 : len(lines)-1]
	all := scenario.Scenarios()
	if len(rows) != len(all) {
		t.Fatalf("%d rows, want one per scenario (%d)", len(rows), len(all))
	}
	col := strings.Index(lines[header], "MATCH")
	failed := false
	for i, s := range all {
		if !strings.HasPrefix(rows[i], s.Name+" ") {
			t.Errorf("row %d is not %s: %q", i, s.Name, rows[i])
			continue
		}
		if !strings.Contains(rows[i], s.Expected) {
			t.Errorf("row %s lacks its expectation %q", s.Name, s.Expected)
		}
		verdict, _, _ := strings.Cut(rows[i][col:], " ")
		switch verdict {
		case "yes", "wine":
		case "NO", "error":
			failed = true
			if !strings.Contains(stderr, s.Name) {
				t.Errorf("%s failed but is not named on stderr", s.Name)
			}
		default:
			t.Errorf("row %s: MATCH %q", s.Name, verdict)
		}
	}
	if want := map[bool]int{false: exitOK, true: exitDiff}[failed]; code != want {
		t.Errorf("exit %d, want %d", code, want)
	}
	if failed {
		t.Error("a scenario differs from Windows (see the table)")
	}
	if !strings.HasPrefix(lines[len(lines)-1], fmt.Sprintf("%d scenarios: ", len(all))) {
		t.Errorf("summary %q", lines[len(lines)-1])
	}
}

func TestJSON(t *testing.T) {
	code, out, _ := runCmd(t, "-json", "-run", "^(timeout|cancel)$")
	if code != exitOK {
		t.Errorf("exit %d", code)
	}
	var results []struct {
		Name  string `json:"name"`
		Match string `json:"match"`
		Polls []struct {
			Status string `json:"status"`
		} `json:"polls"`
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(results) != 2 || results[0].Name != "cancel" || results[1].Name != "timeout" {
		t.Fatalf("results %+v, want cancel and timeout", results)
	}
	for _, r := range results {
		if r.Match != "yes" || len(r.Polls) == 0 {
			t.Errorf("%s: match %q, %d polls", r.Name, r.Match, len(r.Polls))
		}
	}
	if results[0].Polls[0].Status != "STATUS_CANCELLED" || results[1].Polls[0].Status != "STATUS_TIMEOUT" {
		t.Errorf("statuses %+v", results)
	}
}

// TestStrict checks that -strict turns a known Wine difference into a
// failure.
func TestStrict(t *testing.T) {
	_, wine := scenario.Wine()
	code, _, _ := runCmd(t, "-strict", "-run", "^close-device$")
	want := exitOK
	if wine {
		want = exitDiff
	}
	if code != want {
		t.Errorf("exit %d, want %d (Wine: %v)", code, want, wine)
	}
}

func TestList(t *testing.T) {
	code, out, _ := runCmd(t, "-list")
	if code != exitOK {
		t.Errorf("exit %d", code)
	}
	for _, s := range scenario.Scenarios() {
		if !strings.Contains(out, s.Name+"\n\t"+s.Truth+"\n") {
			t.Errorf("%s is not listed with its truth", s.Name)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-nosuchflag"},
		{"-run", "("},
		{"-run", "^no-such-scenario$"},
		{"-all", "extra"},
		{"-timeout", "0s", "-all"},
	} {
		if code, _, stderr := runCmd(t, args...); code != exitUsage || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, code, stderr, exitUsage)
		}
	}
	if code, _, _ := runCmd(t, "-h"); code != exitOK {
		t.Errorf("-h: exit %d", code)
	}
}
