package micro

import (
	"strings"
	"testing"
)

// TestParsePing reads the -json report of afdping and netping, after
// whatever Wine wrote before it.
func TestParsePing(t *testing.T) {
	out := "0024:fixme:ntdll:NtQuerySystemInformation info_class SYSTEM_PERFORMANCE_INFORMATION\n" +
		`{"events":4000,"pairs":500,"mode":"level","proto":"udp","seconds":1.0672108,"events_per_sec":3748.08800660563,"allocs_per_event":0.01275}` + "\n"
	r, err := parsePing([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := pingReport{Events: 4000, Pairs: 500, Mode: "level", Proto: "udp", Seconds: 1.0672108,
		EventsPerSec: 3748.08800660563, AllocsPerEvent: 0.01275}
	if r != want {
		t.Errorf("parsePing = %+v, want %+v", r, want)
	}
}

// TestParsePingErrors: output without a report, or with a report of
// nothing, is an error that quotes the output.
func TestParsePingErrors(t *testing.T) {
	for _, out := range []string{
		"netping: udp sockets: listen udp4 127.0.0.1:0: wsaioctl: winapi error #10045\n",
		"10000 events in 55ms: 181818 events/s (level, 1 pairs)\n",
		`{"events":0,"pairs":1,"seconds":0}`,
		`{"events":10,`,
		"",
	} {
		_, err := parsePing([]byte(out))
		if err == nil {
			t.Errorf("parsePing(%q): no error", out)
			continue
		}
		if first, _, _ := strings.Cut(strings.TrimSpace(out), ":"); !strings.Contains(err.Error(), first) {
			t.Errorf("parsePing(%q) = %v: the output is not quoted", out, err)
		}
	}
}

// TestRequestDelta divides the difference of two runs' counts by the
// difference in events, per request name, names of one run only
// included.
func TestRequestDelta(t *testing.T) {
	r1 := map[string]int64{"recv_socket": 4100, "select": 900, "init_first_thread": 3}
	r2 := map[string]int64{"recv_socket": 12100, "select": 1100, "create_file": 2}
	d := requestDelta(r1, r2, 4000)
	want := map[string]float64{"recv_socket": 2, "select": 0.05, "init_first_thread": -0.00075, "create_file": 0.0005}
	if len(d) != len(want) {
		t.Errorf("requestDelta = %v, want %v", d, want)
	}
	for name, v := range want {
		if got, ok := d[name]; !ok || got != v {
			t.Errorf("requestDelta[%s] = %v, want %v", name, got, v)
		}
	}
}

// TestTraceEvents: the traced runs are long enough for every pair to
// bounce twice in each, and the second is longer than the first.
func TestTraceEvents(t *testing.T) {
	for _, quick := range []bool{false, true} {
		for _, c := range configs(quick) {
			n1, n2 := traceEvents(c, quick)
			if n1 < 2*c.pairs || n2-n1 < 2*c.pairs || n2 <= n1 {
				t.Errorf("traceEvents(%+v, quick %v) = %d, %d", c, quick, n1, n2)
			}
		}
	}
}
