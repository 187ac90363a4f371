package report

import (
	"slices"
	"testing"
	"time"

	"github.com/goafd/afd/bench/internal/result"
)

func TestMerge(t *testing.T) {
	res := func(workload, contender string, v float64) result.Result {
		return result.Result{Platform: "linux", Workload: workload, Contender: contender, Metric: Throughput, Value: v}
	}
	first := &Run{
		Command: "first", Started: time.Unix(1, 0),
		Contenders: []Contender{{"gonet", "old"}, {"gnet", "gnet"}},
		Results:    []result.Result{res("echo", "gonet", 1), res("idle", "gonet", 2), res("tls-echo", "gonet", 3)},
	}
	second := &Run{
		Command: "second", Started: time.Unix(2, 0),
		Contenders: []Contender{{"evloop", "evloop"}, {"gonet", "new"}},
		Results:    []result.Result{res("tls-echo", "gonet", 30), res("http-hello", "evloop", 40)},
	}
	m := Merge(second, first)
	want := []result.Result{res("echo", "gonet", 1), res("idle", "gonet", 2), res("tls-echo", "gonet", 30), res("http-hello", "evloop", 40)}
	if !slices.Equal(m.Results, want) {
		t.Errorf("results %v, want %v", m.Results, want)
	}
	if m.Command != "second" || len(m.Merged) != 1 || m.Merged[0].Command != "first" ||
		!slices.Equal(m.Merged[0].Workloads, []string{"echo", "idle"}) {
		t.Errorf("merged run %q with origins %+v, want the second, with the first's echo and idle", m.Command, m.Merged)
	}
	if want := []Contender{{"gonet", "new"}, {"gnet", "gnet"}, {"evloop", "evloop"}}; !slices.Equal(m.Contenders, want) {
		t.Errorf("contenders %v, want %v", m.Contenders, want)
	}

	// A third run that measures echo again: the first keeps idle, the
	// second its two workloads; one that measures idle too drops the
	// first.
	third := &Run{Command: "third", Results: []result.Result{res("echo", "gonet", 100)}}
	m3 := Merge(third, m)
	if len(m3.Merged) != 2 || m3.Merged[0].Command != "first" || !slices.Equal(m3.Merged[0].Workloads, []string{"idle"}) ||
		m3.Merged[1].Command != "second" || !slices.Equal(m3.Merged[1].Workloads, []string{"tls-echo", "http-hello"}) {
		t.Errorf("origins %+v, want first (idle) and second (tls-echo, http-hello)", m3.Merged)
	}
	fourth := &Run{Command: "fourth", Results: []result.Result{res("idle", "gonet", 5)}}
	if m4 := Merge(fourth, m3); len(m4.Merged) != 2 || m4.Merged[0].Command != "second" || m4.Merged[1].Command != "third" {
		t.Errorf("origins %+v, want second and third", m4.Merged)
	}
}
