package report

import (
	"slices"
	"time"

	"github.com/goafd/afd/bench/internal/result"
)

// An Origin is an earlier run whose results a merged Run keeps: the
// workloads it measured that the later run did not.
type Origin struct {
	Machine Machine   `json:"machine"`
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
	// Workloads are the workloads of the results kept from it.
	Workloads []string `json:"workloads"`
}

// Merge returns run with the results of earlier added for the workloads
// run did not measure: earlier's first, in their order, then run's. The
// merged run is run's (machine, command, date), with earlier and the
// origins it had merged itself in Merged, each with the workloads still
// its own; an origin left with none is dropped. The contenders are
// earlier's and run's, with run's descriptions.
func Merge(run, earlier *Run) *Run {
	measured := workloads(run.Results)
	merged := *run
	merged.Results = nil
	for _, r := range earlier.Results {
		if !slices.Contains(measured, r.Workload) {
			merged.Results = append(merged.Results, r)
		}
	}
	merged.Results = append(merged.Results, run.Results...)

	// earlier's own origin holds its workloads that no origin it merged
	// holds.
	var claimed []string
	for _, o := range earlier.Merged {
		claimed = append(claimed, o.Workloads...)
	}
	own := Origin{Machine: earlier.Machine, Command: earlier.Command, Started: earlier.Started, Seconds: earlier.Seconds}
	for _, w := range workloads(earlier.Results) {
		if !slices.Contains(claimed, w) {
			own.Workloads = append(own.Workloads, w)
		}
	}
	merged.Merged = nil
	for _, o := range append(slices.Clone(earlier.Merged), own) {
		o.Workloads = slices.DeleteFunc(slices.Clone(o.Workloads), func(w string) bool { return slices.Contains(measured, w) })
		if len(o.Workloads) > 0 {
			merged.Merged = append(merged.Merged, o)
		}
	}

	merged.Contenders = slices.Clone(earlier.Contenders)
	for _, c := range run.Contenders {
		i := slices.IndexFunc(merged.Contenders, func(e Contender) bool { return e.Name == c.Name })
		if i < 0 {
			merged.Contenders = append(merged.Contenders, c)
		} else {
			merged.Contenders[i] = c
		}
	}
	return &merged
}

// workloads lists the distinct workloads of rs, in order.
func workloads(rs []result.Result) []string {
	var ws []string
	for _, r := range rs {
		if !slices.Contains(ws, r.Workload) {
			ws = append(ws, r.Workload)
		}
	}
	return ws
}
