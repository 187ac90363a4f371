package report

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
)

// lowerIsBetter lists the metrics where a smaller figure is the better
// one; for the others, and the micro-benchmarks' unknown ones unless
// listed, larger is better.
var lowerIsBetter = map[string]bool{
	P50: true, P99: true, Tail: true,
	RSSPerConn: true, GoMemPerConn: true, HandlesPerConn: true,
	RequestsPerMsg: true,
	"ns_per_op":    true, "allocs_per_op": true, "bytes_per_op": true,
}

// LowerIsBetter reports whether a smaller value of metric is better.
func LowerIsBetter(metric string) bool { return lowerIsBetter[metric] }

// metricLabels are the column titles of the known metrics.
var metricLabels = map[string]string{
	Throughput: "throughput", P50: "p50", P99: "p99", Tail: "p99/p50",
	Served: "served", ConnsPerSec: "rate", RSSPerConn: "RSS/conn",
	GoMemPerConn: "heap+stack/conn", HandlesPerConn: "handles/conn",
	RequestsPerMsg: "wineserver",
}

// metricLabel returns the column title of metric.
func metricLabel(metric string) string {
	if l, ok := metricLabels[metric]; ok {
		return l
	}
	return metric
}
