// Package result is the record every afdbench measurement produces: one
// number, with what was measured, on which platform and for which
// contender. The report writers (table, CSV, JSON, plots, BENCHMARKS.md)
// take a slice of them.
package result

// A Result is one measured figure.
type Result struct {
	// Platform is where the contender ran: "linux", "windows" (native)
	// or "wine" (a Windows binary under Wine).
	Platform string `json:"platform"`
	// Workload names the measurement: "echo", "stream", "idle",
	// "churn", or "micro/<name>" for the poller micro-benchmarks.
	Workload string `json:"workload"`
	// Conns is the number of connections (or sockets) of the
	// workload; 0 where it does not apply.
	Conns int `json:"conns"`
	// Contender is what was measured: "evloop" (this project), "gonet",
	// "gnet", "nbio", "wsapoll", "select", ...
	Contender string `json:"contender"`
	// Metric names the figure: "throughput", "p50", "p99", "served",
	// "bytes_per_conn", "handles_per_conn", "conns_per_sec",
	// "requests_per_msg", "allocs_per_op", "ns_per_op", ...
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	// Unit of Value: "msg/s", "MB/s", "µs", "conns", "B", "ns", ...
	Unit string `json:"unit"`
	// Err is set, and Value meaningless, when the contender failed
	// this workload (it did not build, start, or answer correctly).
	Err string `json:"err,omitempty"`
}
