package micro

import (
	"os"
	"slices"
	"testing"

	"github.com/goafd/afd/bench/internal/result"
)

// TestParseBench reads go test -bench output: every benchmark line with
// its figures, names without the GOMAXPROCS suffix, log lines and
// failures skipped.
func TestParseBench(t *testing.T) {
	f, err := os.Open("testdata/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bs, err := parseBench(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []benchmark{
		{"RoundTrip", 50, 516820, 112, 0, true},
		{"RoundTripTCP", 50, 357400, 110, 0, true},
		{"Modify/n=100", 50, 2394, 0, 0, true},
		{"Modify/n=1000", 50, 3892, 0, 0, true},
		{"Modify/n=10000", 50, 40076, 0, 0, true},
		{"AddDelete/n=100", 50, 129038, 515, 7, true},
		{"AddDelete/n=1000", 50, 410556, 524, 7, true},
		{"AddDelete/n=10000", 50, 2294158, 515, 7, true},
		{"NoMem", 200, 12.5, 0, 0, false},
		{"HTTP2-server", 100, 99, 0, 0, false},
	}
	if !slices.Equal(bs, want) {
		t.Errorf("parseBench:\n got %v\nwant %v", bs, want)
	}
}

func TestBenchWorkload(t *testing.T) {
	for _, c := range []struct {
		name     string
		workload string
		n        int
	}{
		{"RoundTrip", "micro/round-trip", 1},
		{"RoundTripTCP", "micro/round-trip-tcp", 1},
		{"AddDelete/n=10000", "micro/add-delete", 10000},
		{"Modify/n=100", "micro/modify", 100},
		{"Wait/batch=8", "micro/wait-batch=8", 1},
	} {
		w, n := benchWorkload(c.name)
		if w != c.workload || n != c.n {
			t.Errorf("benchWorkload(%q) = %q, %d; want %q, %d", c.name, w, n, c.workload, c.n)
		}
	}
}

// TestBenchResults: each benchmark gives its time, allocations and
// bytes per operation, and each larger size its time over that at 100.
func TestBenchResults(t *testing.T) {
	rs := benchResults("wine", "afd-poll", []benchmark{
		{"Modify/n=100", 50, 2000, 0, 0, true},
		{"Modify/n=10000", 50, 3000, 0, 0, true},
		{"AddDelete/n=1000", 50, 400, 16, 1, true},
		{"NoMem", 50, 10, 0, 0, false},
	})
	r := func(workload string, conns int, metric string, v float64, unit string) result.Result {
		return result.Result{Platform: "wine", Workload: workload, Conns: conns, Contender: "afd-poll",
			Metric: metric, Value: v, Unit: unit}
	}
	want := []result.Result{
		r("micro/modify", 100, "ns_per_op", 2000, "ns"),
		r("micro/modify", 100, "allocs_per_op", 0, "allocs"),
		r("micro/modify", 100, "bytes_per_op", 0, "B"),
		r("micro/modify", 10000, "ns_per_op", 3000, "ns"),
		r("micro/modify", 10000, "allocs_per_op", 0, "allocs"),
		r("micro/modify", 10000, "bytes_per_op", 0, "B"),
		r("micro/add-delete", 1000, "ns_per_op", 400, "ns"),
		r("micro/add-delete", 1000, "allocs_per_op", 1, "allocs"),
		r("micro/add-delete", 1000, "bytes_per_op", 16, "B"),
		r("micro/no-mem", 1, "ns_per_op", 10, "ns"),
		r("micro/modify", 10000, "ns_ratio_to_100", 1.5, "x"),
	}
	if !slices.Equal(rs, want) {
		t.Errorf("benchResults:\n got %v\nwant %v", rs, want)
	}
}
