package main

import "time"

// settings are the sizes and durations of the workloads: short in quick
// mode, which only checks that every contender works, longer for the
// record.
type settings struct {
	// EchoConns are the connection counts of the echo workload.
	EchoConns []int
	// Warmup precedes each measured window of length Measure, in the
	// echo, stream and churn workloads.
	Warmup, Measure time.Duration
	// IdleConns is the connection count of the idle workload.
	IdleConns int
	// ChurnWorkers connect, do a round trip and close, in a loop.
	ChurnWorkers int
	// TraceConns connections each do TraceRounds round trips while the
	// wine server's requests are counted.
	TraceConns, TraceRounds int

	// TLSEchoConns are the connection counts of tls-echo.
	TLSEchoConns []int
	// TLSIdleConns is the connection count of tls-idle.
	TLSIdleConns int
	// HandshakeWorkers connect, handshake, do a round trip and close, in
	// a loop (tls-handshake).
	HandshakeWorkers int
	// HTTPConns are the connection counts of http-hello and http-echo.
	HTTPConns []int
	// HTTPIdleConns is the connection count of http-idle.
	HTTPIdleConns int
	// HTTPTraceConns connections send requests for HTTPTraceWindow
	// while the wine server's requests are counted.
	HTTPTraceConns  int
	HTTPTraceWindow time.Duration
	// WSIdleConns is the connection count of ws-idle.
	WSIdleConns int
}

var (
	// Quick mode leaves out 1,000 echo connections: under Wine a window of
	// 400 ms is shorter than a server takes to answer them all once, so it
	// would measure nothing; the full run records that scale. Of the TLS,
	// HTTP and WebSocket workloads it runs one small variant each, which
	// check the contenders' TLS, HTTP and WebSocket (ws-idle's 20
	// connections add about a second, with its server starts).
	quickSettings = settings{
		EchoConns:        []int{1, 100},
		Warmup:           100 * time.Millisecond,
		Measure:          400 * time.Millisecond,
		IdleConns:        200,
		ChurnWorkers:     8,
		TraceConns:       100,
		TraceRounds:      10,
		TLSEchoConns:     []int{10},
		TLSIdleConns:     50,
		HandshakeWorkers: 2,
		HTTPConns:        []int{10},
		HTTPIdleConns:    50,
		HTTPTraceConns:   10,
		HTTPTraceWindow:  400 * time.Millisecond,
		WSIdleConns:      20,
	}
	fullSettings = settings{
		EchoConns:        []int{1, 100, 1000},
		Warmup:           time.Second,
		Measure:          5 * time.Second,
		IdleConns:        10_000,
		ChurnWorkers:     8,
		TraceConns:       100,
		TraceRounds:      50,
		TLSEchoConns:     []int{1, 100, 1000},
		TLSIdleConns:     10_000,
		HandshakeWorkers: 8,
		HTTPConns:        []int{100, 1000},
		HTTPIdleConns:    10_000,
		HTTPTraceConns:   1000,
		HTTPTraceWindow:  2 * time.Second,
		WSIdleConns:      10_000,
	}
)
