package main

import (
	"fmt"

	"github.com/goafd/afd/bench/internal/contenders"
	"github.com/goafd/afd/bench/internal/harness"
	"github.com/goafd/afd/bench/internal/load"
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

	// The TLS workloads: echo, idle and churn (each connection a full
	// handshake) inside TLS, on the contenders that offer it.
	wlTLSEcho      = "tls-echo"
	wlTLSIdle      = "tls-idle"
	wlTLSHandshake = "tls-handshake"
	// The HTTP workloads: keep-alive GET (hello) and POST (echo)
	// requests, idle keep-alive connections, on the contenders that
	// serve HTTP.
	wlHTTPHello = "http-hello"
	wlHTTPEcho  = "http-echo"
	wlHTTPIdle  = "http-idle"
	// wlHTTPWineRequests is http-hello under a wine server that logs its
	// requests, over a window of settings.HTTPTraceWindow; its results
	// are http-hello's, metric requests_per_msg.
	wlHTTPWineRequests = "http-wine-requests"
	// wlTLSWineRequests is tls-handshake under a wine server that logs
	// its requests; its results are tls-handshake's, metric
	// requests_per_msg (per connection).
	wlTLSWineRequests = "tls-wine-requests"
	// wlWSIdle is idle WebSocket connections (after the upgrade and one
	// echoed message), on the contenders that serve WebSocket.
	wlWSIdle = "ws-idle"
)

// allWorkloads lists the workloads in the order they run.
var allWorkloads = []string{wlEcho, wlStream, wlChurn, wlIdle, wlWineRequests,
	wlTLSEcho, wlTLSIdle, wlTLSHandshake, wlTLSWineRequests, wlHTTPHello, wlHTTPEcho, wlHTTPIdle, wlHTTPWineRequests, wlWSIdle, wlMicro}

// offered returns the feature a contender must offer to run workload w,
// "" for the plaintext workloads every contender runs.
func offered(w string) harness.Feature {
	switch w {
	case wlTLSEcho, wlTLSIdle, wlTLSHandshake, wlTLSWineRequests:
		return harness.TLS
	case wlHTTPHello, wlHTTPEcho, wlHTTPIdle, wlHTTPWineRequests:
		return harness.HTTPServer
	case wlWSIdle:
		return harness.WebSocket
	}
	return ""
}

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
	case wlChurn, wlTLSHandshake, wlTLSWineRequests:
		s += fmt.Sprintf(", %d workers", j.conns)
	case wlStream:
	default:
		s += fmt.Sprintf(", %d conns", j.conns)
	}
	return s
}

// serverArgs are the server's flags for the job, but -addr.
func (j *job) serverArgs() []string {
	switch {
	case j.workload == wlStream:
		return []string{"-mode", "sink"}
	case offered(j.workload) == harness.HTTPServer:
		return []string{"-mode", "http"}
	case offered(j.workload) == harness.WebSocket:
		return []string{"-mode", "ws"}
	case offered(j.workload) == harness.TLS:
		return []string{"-mode", "echo", "-tls"}
	}
	return []string{"-mode", "echo"}
}

// metric describes one figure of a workload.
type metric struct{ name, unit string }

// metrics lists the figures a job produces, so that a failed job gives a
// failed result for each.
func (j *job) metrics() []metric {
	switch j.workload {
	case wlEcho, wlTLSEcho:
		return []metric{{report.Throughput, "msg/s"}, {report.P50, "µs"}, {report.P99, "µs"},
			{report.Tail, ""}, {report.Served, "conns"}, {report.CPUPerMsg, "µs"}}
	case wlHTTPHello, wlHTTPEcho:
		return []metric{{report.Throughput, "req/s"}, {report.P50, "µs"}, {report.P99, "µs"},
			{report.Tail, ""}, {report.Served, "conns"}, {report.CPUPerMsg, "µs"}}
	case wlStream:
		return []metric{{report.Throughput, "MB/s"}}
	case wlChurn:
		return []metric{{report.ConnsPerSec, "conns/s"}}
	case wlTLSHandshake:
		return []metric{{report.ConnsPerSec, "conns/s"}, {report.CPUPerMsg, "µs"}}
	case wlIdle, wlTLSIdle, wlHTTPIdle, wlWSIdle:
		return []metric{{report.RSSPerConn, "B"}, {report.GoMemPerConn, "B"}, {report.HandlesPerConn, ""}}
	case wlWineRequests:
		return []metric{{report.RequestsPerMsg, "req/msg"}}
	case wlHTTPWineRequests:
		return []metric{{report.RequestsPerMsg, "req/req"}}
	case wlTLSWineRequests:
		return []metric{{report.RequestsPerMsg, "req/conn"}}
	}
	panic("unknown workload " + j.workload)
}

// result returns the job's result for metric m with value v.
func (j *job) result(m metric, v float64) result.Result {
	workload := j.workload
	switch workload {
	case wlWineRequests:
		workload = wlEcho // a figure of echo at j.conns connections
	case wlHTTPWineRequests:
		workload = wlHTTPHello
	case wlTLSWineRequests:
		workload = wlTLSHandshake
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

// client is what the job's connections speak.
func (j *job) client() load.Client {
	switch j.workload {
	case wlTLSEcho, wlTLSIdle, wlTLSHandshake, wlTLSWineRequests:
		return load.Client{Dial: load.TLS}
	case wlHTTPHello, wlHTTPIdle, wlHTTPWineRequests:
		return load.HTTPHello()
	case wlHTTPEcho:
		return load.HTTPEcho()
	case wlWSIdle:
		return load.WebSocket()
	}
	return load.Client{}
}
