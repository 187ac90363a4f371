package main

import (
	"fmt"

	"github.com/goafd/afd/bench/internal/contenders"
	"github.com/goafd/afd/bench/internal/report"
	"github.com/goafd/afd/bench/internal/result"
)

// Workload names, as the -workloads flag takes them.
const (
	wlEcho   = "echo"
	wlStream = "stream"
	wlChurn  = "churn"
	wlIdle   = "idle"
	// wlWineRequests is echo under a wine server that logs its requests;
	// its results are echo's, metric requests_per_msg.
	wlWineRequests = "wine-requests"
	wlMicro        = "micro"
)

// allWorkloads lists the workloads in the order they run.
var allWorkloads = []string{wlEcho, wlStream, wlChurn, wlIdle, wlWineRequests, wlMicro}

// A job is one measurement: a workload on one contender on one platform,
// against a server process of its own.
type job struct {
	platform  *platform
	contender contenders.Contender
	workload  string
	// conns is the number of connections (churn: workers).
	conns int
	// estimate is the expected length in seconds, for the progress.
	estimate float64
}

// String names the job in the progress.
func (j *job) String() string {
	s := fmt.Sprintf("%s %s %s", j.platform.Name, j.contender.Name, j.workload)
	switch j.workload {
	case wlEcho, wlIdle, wlWineRequests:
		s += fmt.Sprintf(", %d conns", j.conns)
	case wlChurn:
		s += fmt.Sprintf(", %d workers", j.conns)
	}
	return s
}

// mode is the server's -mode for the job.
func (j *job) mode() string {
	if j.workload == wlStream {
		return "sink"
	}
	return "echo"
}

// metric describes one figure of a workload.
type metric struct{ name, unit string }

// metrics lists the figures a job produces, so that a failed job gives a
// failed result for each.
func (j *job) metrics() []metric {
	switch j.workload {
	case wlEcho:
		return []metric{{report.Throughput, "msg/s"}, {report.P50, "µs"}, {report.P99, "µs"},
			{report.Tail, ""}, {report.Served, "conns"}, {report.CPUPerMsg, "µs"}}
	case wlStream:
		return []metric{{report.Throughput, "MB/s"}}
	case wlChurn:
		return []metric{{report.ConnsPerSec, "conns/s"}}
	case wlIdle:
		return []metric{{report.RSSPerConn, "B"}, {report.GoMemPerConn, "B"}, {report.HandlesPerConn, ""}}
	case wlWineRequests:
		return []metric{{report.RequestsPerMsg, "req/msg"}}
	}
	panic("unknown workload " + j.workload)
}

// result returns the job's result for metric m with value v.
func (j *job) result(m metric, v float64) result.Result {
	workload := j.workload
	if workload == wlWineRequests {
		workload = wlEcho // a figure of echo at j.conns connections
	}
	return result.Result{
		Platform: j.platform.Name, Workload: workload, Conns: j.conns, Contender: j.contender.Name,
		Metric: m.name, Value: v, Unit: m.unit,
	}
}

// results returns the job's results for values, one per metric.
func (j *job) results(values ...float64) []result.Result {
	ms := j.metrics()
	rs := make([]result.Result, len(ms))
	for i, m := range ms {
		rs[i] = j.result(m, values[i])
	}
	return rs
}

// failed returns a failed result for each of the job's metrics.
func (j *job) failed(err error) []result.Result {
	var rs []result.Result
	for _, m := range j.metrics() {
		r := j.result(m, 0)
		r.Err = err.Error()
		rs = append(rs, r)
	}
	return rs
}
