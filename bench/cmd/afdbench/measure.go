package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goafd/afd/bench/internal/load"
	"github.com/goafd/afd/bench/internal/result"
	"github.com/goafd/afd/bench/internal/serverproc"
	"github.com/goafd/afd/bench/internal/winetrace"
)

const (
	// readyTimeout bounds a server's start, up to its ready line: under
	// Wine a process takes a second or two.
	readyTimeout = 30 * time.Second
	// statsTimeout bounds the answer to stats, which collects garbage.
	statsTimeout = 10 * time.Second
	// quitTimeout bounds a server's exit after quit, with its
	// connections closed.
	quitTimeout = 10 * time.Second
	// acceptTimeout bounds the wait for a server to accept the
	// connections of an echo run.
	acceptTimeout = 60 * time.Second
)

// runner runs jobs.
type runner struct {
	set      settings
	progress *progress
	// profileDir, if set, is where native servers write CPU profiles.
	profileDir string
}

// run runs j against a fresh server started from the binary bin and
// returns its results and a summary for the progress: failed results if
// the server did not start (a server that says its contender does not
// run here contradicts the registry), answered wrong, or did not exit
// cleanly after quit. The job is bounded in time: a stuck server is
// killed and its job fails.
func (r *runner) run(ctx context.Context, j *job, bin string) ([]result.Result, string) {
	ctx, cancel := context.WithTimeout(ctx, jobTimeout(j))
	defer cancel()
	var tracer *winetrace.Tracer
	if j.workload == wlWineRequests || j.workload == wlHTTPWineRequests || j.workload == wlTLSWineRequests {
		t, err := startTracer(ctx, j.platform.Wine)
		if err != nil {
			return j.failed(err), "FAILED: " + err.Error()
		}
		tracer = t
		defer func() {
			tracer.Close()
			// Back to a wine server that does not log, for the next jobs.
			if err := j.platform.Wine.StartServer(); err != nil {
				r.progress.note("%v", err)
			}
		}()
	}
	args := append([]string{"-addr", "127.0.0.1:0"}, j.serverArgs()...)
	if r.profileDir != "" && j.platform.Wine == nil {
		name := fmt.Sprintf("%s-%s-%s-%d.pprof", j.platform.Name, j.contender.Name, j.workload, j.conns)
		args = append(args, "-cpuprofile", filepath.Join(r.profileDir, name))
	}
	srv, err := j.platform.startServer(readyTimeout, bin, args...)
	if errors.Is(err, serverproc.ErrUnsupported) {
		err = fmt.Errorf("%w, though the registry says it runs on %s", err, j.platform.GOOS)
	}
	if err != nil {
		return j.failed(err), "FAILED: " + err.Error()
	}
	defer srv.Kill()
	rs, summary, err := r.measure(ctx, j, srv, tracer)
	if err != nil {
		srv.Kill()
		if tail := strings.TrimSpace(srv.Stderr()); tail != "" {
			err = fmt.Errorf("%w; server stderr: %s", err, tail)
		}
		return j.failed(err), "FAILED: " + err.Error()
	}
	if err := srv.Quit(quitTimeout); err != nil {
		// The figures were measured, but the server is broken: they
		// go to the progress only.
		err = fmt.Errorf("after the workload: %w", err)
		return j.failed(err), summary + "; FAILED: " + err.Error()
	}
	return rs, summary
}

// jobTimeout bounds a job: well above its estimate, so that a slow
// machine does not fail it, but never unbounded.
func jobTimeout(j *job) time.Duration {
	return time.Duration((3*j.estimate + 60) * float64(time.Second))
}

// startTracer replaces the wine server of w by one that logs its
// requests, and starts Wine's helper processes under it, detached.
func startTracer(ctx context.Context, w *serverproc.Wine) (*winetrace.Tracer, error) {
	t, err := winetrace.Start(ctx, w.Prefix)
	if err != nil {
		return nil, err
	}
	if err := w.Boot(); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// measure runs j's workload against srv.
func (r *runner) measure(ctx context.Context, j *job, srv *serverproc.Server, tracer *winetrace.Tracer) ([]result.Result, string, error) {
	switch j.workload {
	case wlEcho, wlTLSEcho, wlHTTPHello, wlHTTPEcho:
		return r.echo(ctx, j, srv)
	case wlStream:
		res, err := load.Stream(ctx, srv.Addr, r.set.Warmup, r.set.Measure)
		if err != nil {
			return nil, "", err
		}
		return j.results(res.MBps()), fmt.Sprintf("%.0f MB/s", res.MBps()), nil
	case wlChurn:
		res, err := load.Churn(ctx, srv.Addr, j.conns, r.set.Measure)
		if err != nil {
			return nil, "", err
		}
		return j.results(res.PerSecond()), fmt.Sprintf("%.0f conns/s", res.PerSecond()), nil
	case wlTLSHandshake:
		return r.handshakes(ctx, j, srv)
	case wlIdle, wlTLSIdle, wlHTTPIdle, wlWSIdle:
		return r.idle(ctx, j, srv)
	case wlWineRequests:
		return r.wineRequests(ctx, j, srv.Addr, tracer)
	case wlHTTPWineRequests:
		return r.httpWineRequests(ctx, j, srv, tracer)
	case wlTLSWineRequests:
		return r.handshakeWineRequests(ctx, j, srv.Addr, tracer)
	}
	return nil, "", fmt.Errorf("unknown workload %q", j.workload)
}

// echo runs the echo workload. Its window starts once the server has
// accepted every connection: under Wine accepting a thousand takes longer
// than a short window.
func (r *runner) echo(ctx context.Context, j *job, srv *serverproc.Server) ([]result.Result, string, error) {
	// The server's CPU time at both ends of the window: its cost per
	// round trip, which the client's share of the machine does not move.
	var cpu [2]uint64
	var cpuErr error
	window := func(start bool) {
		st, err := srv.Stats(statsTimeout)
		switch {
		case err != nil:
			cpuErr = err
		case start:
			cpu[0] = st.CPU
		default:
			cpu[1] = st.CPU
		}
	}
	res, err := load.Echo(ctx, load.EchoConfig{
		Addr: srv.Addr, Conns: j.conns, Client: j.client(), Warmup: r.set.Warmup, Duration: r.set.Measure,
		Progress: r.counter("opened", j.conns),
		Accepted: func(ctx context.Context) error { return waitAccepted(ctx, srv, j.conns) },
		Window:   window,
	})
	if err != nil {
		return nil, "", err
	}
	ms := j.metrics() // throughput, p50, p99, p99/p50, served
	rs := []result.Result{j.result(ms[0], res.Throughput())}
	summary := fmt.Sprintf("%.0f %s, served %d of %d", res.Throughput(), ms[0].unit, res.Served, j.conns)
	// Latency only if there were round trips: a server may starve all.
	if res.Latency.Count() > 0 {
		p50, p99 := res.Latency.Quantile(0.50), res.Latency.Quantile(0.99)
		rs = append(rs, j.result(ms[1], micros(p50)), j.result(ms[2], micros(p99)),
			j.result(ms[3], float64(p99)/float64(p50)))
		summary += fmt.Sprintf(", p50 %.0fµs, p99 %.0fµs", micros(p50), micros(p99))
	}
	rs = append(rs, j.result(ms[4], float64(res.Served)))
	if cpuErr != nil {
		return rs, summary, fmt.Errorf("echo: the server's CPU time: %w", cpuErr)
	}
	if res.RoundTrips > 0 && cpu[1] > cpu[0] {
		perMsg := micros(time.Duration(cpu[1]-cpu[0])) / float64(res.RoundTrips)
		rs = append(rs, j.result(ms[5], perMsg))
		summary += fmt.Sprintf(", server CPU %.1fµs/msg", perMsg)
	}
	return rs, summary, nil
}

// waitAccepted asks srv for its stats until it counts n connections.
func waitAccepted(ctx context.Context, srv *serverproc.Server, n int) error {
	ctx, cancel := context.WithTimeout(ctx, acceptTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := srv.Stats(statsTimeout)
		if err != nil {
			return err
		}
		if st.Conns >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the server counts %d of the %d connections open: %w", st.Conns, n, ctx.Err())
		case <-tick.C:
		}
	}
}

// micros converts d to microseconds.
func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// idle runs the idle workload: the server's stats before and after
// opening j.conns connections, per connection.
func (r *runner) idle(ctx context.Context, j *job, srv *serverproc.Server) ([]result.Result, string, error) {
	if err := checkFDLimit(j.conns); err != nil {
		return nil, "", err
	}
	before, err := srv.Stats(statsTimeout)
	if err != nil {
		return nil, "", err
	}
	opened := r.counter("opened", j.conns)
	checked := r.counter("checked", j.conns)
	conns, err := j.client().OpenIdle(ctx, srv.Addr, j.conns, func(stage string, n int) {
		if stage == "opened" {
			opened(n)
		} else {
			checked(n)
		}
	})
	if err != nil {
		return nil, "", err
	}
	defer load.CloseAll(conns)
	after, err := srv.Stats(statsTimeout)
	if err != nil {
		return nil, "", err
	}
	n := float64(j.conns)
	rss := (float64(after.RSS) - float64(before.RSS)) / n
	gomem := (float64(after.Heap+after.Stack) - float64(before.Heap+before.Stack)) / n
	handles := float64(after.Handles-before.Handles) / n
	summary := fmt.Sprintf("per connection: %.0f B RSS, %.0f B heap+stack, %.2f handles; the server counts %d conns",
		rss, gomem, handles, after.Conns)
	return j.results(rss, gomem, handles), summary, nil
}

// handshakes runs tls-handshake: workers that connect, complete a full
// handshake, do one round trip and close, in a loop, with the server's CPU
// time per connection.
func (r *runner) handshakes(ctx context.Context, j *job, srv *serverproc.Server) ([]result.Result, string, error) {
	before, err := srv.Stats(statsTimeout)
	if err != nil {
		return nil, "", err
	}
	res, err := j.client().Churn(ctx, srv.Addr, j.conns, r.set.Measure)
	if err != nil {
		return nil, "", err
	}
	after, err := srv.Stats(statsTimeout)
	if err != nil {
		return nil, "", err
	}
	// The window of the CPU time holds the run and the last
	// connections' close: the cost of each connection, whole.
	perConn := 0.0
	if res.Conns > 0 && after.CPU > before.CPU {
		perConn = micros(time.Duration(after.CPU-before.CPU)) / float64(res.Conns)
	}
	return j.results(res.PerSecond(), perConn),
		fmt.Sprintf("%.0f handshakes/s, server CPU %.0fµs per connection", res.PerSecond(), perConn), nil
}

// httpWineRequests counts the wine server's requests per HTTP request:
// those logged over a window of HTTPTraceWindow while j.conns keep-alive
// connections, all accepted and served, send requests, over the requests
// answered in the window.
func (r *runner) httpWineRequests(ctx context.Context, j *job, srv *serverproc.Server, tracer *winetrace.Tracer) ([]result.Result, string, error) {
	var (
		counts   [2]map[string]int64
		countErr error
	)
	res, err := load.Echo(ctx, load.EchoConfig{
		Addr: srv.Addr, Conns: j.conns, Client: j.client(), Warmup: r.set.Warmup, Duration: r.set.HTTPTraceWindow,
		Progress: r.counter("opened", j.conns),
		Accepted: func(ctx context.Context) error { return waitAccepted(ctx, srv, j.conns) },
		Window: func(start bool) {
			c, err := tracer.ByName()
			if err != nil {
				countErr = err
			}
			if start {
				counts[0] = c
			} else {
				counts[1] = c
			}
		},
	})
	if err != nil {
		return nil, "", err
	}
	if countErr != nil {
		return nil, "", countErr
	}
	if res.RoundTrips == 0 {
		return nil, "", fmt.Errorf("no request answered in the %v window", r.set.HTTPTraceWindow)
	}
	var total int64
	for name, n := range counts[1] {
		total += n - counts[0][name]
	}
	msgs := int(res.RoundTrips)
	perReq := float64(total) / float64(msgs)
	summary := fmt.Sprintf("%.2f wineserver requests per HTTP request (%d over %d requests in %v, served %d of %d; %s)",
		perReq, total, msgs, r.set.HTTPTraceWindow, res.Served, j.conns, topRequests(counts[0], counts[1], msgs, 6))
	return j.results(perReq), summary, nil
}

// handshakeWineRequests counts the wine server's requests per TLS
// connection (connect, full handshake, one round trip, close): those
// logged while j.conns workers churn for HTTPTraceWindow, over the
// connections completed.
func (r *runner) handshakeWineRequests(ctx context.Context, j *job, addr string, tracer *winetrace.Tracer) ([]result.Result, string, error) {
	before, err := tracer.ByName()
	if err != nil {
		return nil, "", err
	}
	res, err := j.client().Churn(ctx, addr, j.conns, r.set.HTTPTraceWindow)
	if err != nil {
		return nil, "", err
	}
	after, err := tracer.ByName()
	if err != nil {
		return nil, "", err
	}
	if res.Conns == 0 {
		return nil, "", fmt.Errorf("no connection completed in the %v window", r.set.HTTPTraceWindow)
	}
	var total int64
	for name, n := range after {
		total += n - before[name]
	}
	conns := int(res.Conns)
	perConn := float64(total) / float64(conns)
	summary := fmt.Sprintf("%.1f wineserver requests per TLS connection (%d over %d connections; %s)",
		perConn, total, conns, topRequests(before, after, conns, 6))
	return j.results(perConn), summary, nil
}

// wineRequests counts the wine server's requests per echoed message: the
// requests logged during a fixed number of round trips on connections
// already open and served once, over the number of round trips.
func (r *runner) wineRequests(ctx context.Context, j *job, addr string, tracer *winetrace.Tracer) ([]result.Result, string, error) {
	conns, err := load.DialAll(ctx, addr, j.conns, nil)
	if err != nil {
		return nil, "", err
	}
	defer load.CloseAll(conns)
	if err := load.RoundTrips(ctx, conns, 1); err != nil {
		return nil, "", err
	}
	before, err := tracer.ByName()
	if err != nil {
		return nil, "", err
	}
	if err := load.RoundTrips(ctx, conns, r.set.TraceRounds); err != nil {
		return nil, "", err
	}
	after, err := tracer.ByName()
	if err != nil {
		return nil, "", err
	}
	msgs := j.conns * r.set.TraceRounds
	var total int64
	for name, n := range after {
		total += n - before[name]
	}
	perMsg := float64(total) / float64(msgs)
	summary := fmt.Sprintf("%.2f wineserver requests per message (%d over %d messages; %s)",
		perMsg, total, msgs, topRequests(before, after, msgs, 6))
	return j.results(perMsg), summary, nil
}

// counter returns a progress callback that notes a count of total at
// every quarter, for totals large enough to take a while.
func (r *runner) counter(what string, total int) func(int) {
	if total < 1000 {
		return func(int) {}
	}
	next := total / 4
	return func(n int) {
		if n >= next {
			r.progress.note("%s %d of %d", what, n, total)
			for next <= n {
				next += total / 4
			}
		}
	}
}

// topRequests names the n kinds of request made most often between two
// counts, with how many of each were made per message.
func topRequests(before, after map[string]int64, msgs, n int) string {
	type kind struct {
		name  string
		count int64
	}
	var kinds []kind
	for name, c := range after {
		if d := c - before[name]; d > 0 {
			kinds = append(kinds, kind{name, d})
		}
	}
	slices.SortFunc(kinds, func(a, b kind) int { return cmp.Or(cmp.Compare(b.count, a.count), strings.Compare(a.name, b.name)) })
	var parts []string
	for _, k := range kinds[:min(n, len(kinds))] {
		parts = append(parts, fmt.Sprintf("%s %.2f", k.name, float64(k.count)/float64(msgs)))
	}
	return strings.Join(parts, ", ")
}
