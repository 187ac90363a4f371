package report

import "strings"

// Metric names, as the driver records them in result.Result.Metric.
const (
	Throughput     = "throughput"       // echo: msg/s; stream: MB/s
	P50            = "p50"              // echo latency, µs
	P99            = "p99"              // echo latency, µs
	Tail           = "p99_p50"          // p99 over p50: how spread latency is
	Served         = "served"           // echo: connections served at least once
	ConnsPerSec    = "conns_per_sec"    // churn
	RSSPerConn     = "rss_per_conn"     // idle: resident set per connection, B
	GoMemPerConn   = "gomem_per_conn"   // idle: Go heap+stacks per connection, B
	HandlesPerConn = "handles_per_conn" // idle
	RequestsPerMsg = "requests_per_msg" // wine: wineserver requests per echo
	CPUPerMsg      = "cpu_per_msg"      // echo: the server's CPU time per round trip, µs
)

// lowerIsBetter lists the metrics where a smaller figure is the better
// one, the micro-benchmarks' included; for the others larger is better.
var lowerIsBetter = map[string]bool{
	P50: true, P99: true, Tail: true,
	RSSPerConn: true, GoMemPerConn: true, HandlesPerConn: true,
	RequestsPerMsg: true, CPUPerMsg: true,
	"ns_per_op": true, "allocs_per_op": true, "bytes_per_op": true,
	"ns_ratio_to_100": true, "allocs_per_event": true,
	"requests_per_event": true, "own_requests_per_event": true,
}

// LowerIsBetter reports whether a smaller value of metric is better.
// Breakdowns ("requests_per_event/select") go the way of their total.
func LowerIsBetter(metric string) bool {
	total, _, _ := strings.Cut(metric, "/")
	return lowerIsBetter[total]
}

// IsBreakdown reports whether metric is one part of a total, such as the
// wineserver requests of one name ("requests_per_event/select"): the
// tables leave those to results.csv and results.json.
func IsBreakdown(metric string) bool { return strings.Contains(metric, "/") }

// metricLabels are the column titles of the known metrics.
var metricLabels = map[string]string{
	Throughput: "throughput", P50: "p50", P99: "p99", Tail: "p99/p50",
	Served: "served", ConnsPerSec: "rate", RSSPerConn: "RSS/conn",
	GoMemPerConn: "heap+stack/conn", HandlesPerConn: "handles/conn",
	RequestsPerMsg: "wineserver", CPUPerMsg: "server CPU",
}

// metricLabel returns the column title of metric.
func metricLabel(metric string) string {
	if l, ok := metricLabels[metric]; ok {
		return l
	}
	return metric
}
