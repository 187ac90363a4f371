package micro

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/goafd/afd/bench/internal/result"
)

// TestRunLinux runs the quick measurements natively and checks that
// every one of them gave a figure: no errors, and the results that
// afdbench reports present and positive where they must be.
func TestRunLinux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the benchmarks: not with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the linux platform runs on Linux")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rs, err := Run(ctx, Options{Quick: true, Platforms: []string{"linux"}, Root: root, Progress: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		workload, contender, metric string
		conns                       int
	}
	got := map[key]result.Result{}
	for _, r := range rs {
		if r.Err != "" {
			t.Errorf("%s %s %s (%d): %s", r.Workload, r.Contender, r.Metric, r.Conns, r.Err)
		}
		if r.Platform != "linux" {
			t.Errorf("%+v: platform %q, want linux", r, r.Platform)
		}
		got[key{r.Workload, r.Contender, r.Metric, r.Conns}] = r
	}
	var want []key
	for _, w := range []string{"micro/round-trip", "micro/round-trip-tcp"} {
		want = append(want, key{w, afdPoll, "ns_per_op", 1}, key{w, afdPoll, "allocs_per_op", 1})
	}
	for _, w := range []string{"micro/modify", "micro/add-delete"} {
		for _, n := range []int{100, 1000, 10000} {
			want = append(want, key{w, afdPoll, "ns_per_op", n}, key{w, afdPoll, "allocs_per_op", n})
		}
		want = append(want, key{w, afdPoll, "ns_ratio_to_100", 10000})
	}
	for _, c := range configs(true) {
		for _, contender := range []string{afdPoll, goNet} {
			want = append(want, key{c.workload(), contender, "events_per_sec", c.pairs},
				key{c.workload(), contender, "allocs_per_event", c.pairs})
		}
	}
	for _, k := range want {
		r, ok := got[k]
		switch {
		case !ok:
			t.Errorf("no result for %+v", k)
		case r.Value < 0 || r.Value == 0 && (k.metric == "ns_per_op" || k.metric == "events_per_sec" ||
			k.metric == "ns_ratio_to_100"):
			t.Errorf("%+v: value %v", k, r.Value)
		}
	}
	if len(got) != len(rs) {
		t.Errorf("%d results, %d distinct: %v", len(rs), len(got), fmt.Sprint(rs))
	}
}

// TestRunUnknownPlatform: a platform that cannot run here fails Run
// before anything runs.
func TestRunUnknownPlatform(t *testing.T) {
	other := map[string]string{"linux": "windows", "windows": "linux"}[runtime.GOOS]
	for _, name := range []string{"plan9", other} {
		if name == "" {
			continue
		}
		rs, err := Run(context.Background(), Options{Platforms: []string{name}, Root: "../../.."})
		if err == nil || len(rs) != 0 {
			t.Errorf("Run on %q = %d results, %v; want an error", name, len(rs), err)
		}
	}
}
