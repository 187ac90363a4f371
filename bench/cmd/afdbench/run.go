package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/goafd/afd/bench/internal/contenders"
	"github.com/goafd/afd/bench/internal/micro"
	"github.com/goafd/afd/bench/internal/report"
	"github.com/goafd/afd/bench/internal/result"
)

// buildEstimate is the expected length of a go build, in seconds.
const buildEstimate = 3

// A group is the jobs of one contender on one platform: they share a
// server binary.
type group struct {
	platform  *platform
	contender contenders.Contender
	jobs      []*job
}

// run runs the benchmarks opts asks for, writes the outputs, and returns
// the exit status: 0, or 1 if a contender failed or the run could not be
// done.
func run(ctx context.Context, opts *options, stdout, stderr io.Writer) int {
	started := time.Now()
	fatal := func(err error) int {
		fmt.Fprintf(stderr, "afdbench: %v\n", err)
		return 1
	}
	platforms, withWine, err := preparePlatforms(opts.Platforms, opts.Cache, opts.Pin)
	if err != nil {
		return fatal(err)
	}
	binDir, err := os.MkdirTemp("", "afdbench-bin-")
	if err != nil {
		return fatal(err)
	}
	defer os.RemoveAll(binDir)

	groups := plan(opts, platforms)
	steps, estimate := 0, 0.0
	for _, g := range groups {
		steps += 1 + len(g.jobs)
		estimate += buildEstimate
		for _, j := range g.jobs {
			estimate += j.estimate
		}
	}
	withMicro := slices.Contains(opts.Workloads, wlMicro)
	if withMicro {
		steps++
		estimate += microEstimate(opts.Quick, platforms)
	}
	prog := newProgress(stderr, steps, estimate)
	r := &runner{set: opts.Settings, progress: prog, profileDir: opts.ProfileDir}
	if r.profileDir != "" {
		if err := os.MkdirAll(r.profileDir, 0o755); err != nil {
			return fatal(err)
		}
	}

	var results []result.Result
	broken := 0 // failed jobs
	for _, g := range groups {
		if ctx.Err() != nil {
			break
		}
		rs, failed := r.runGroup(ctx, g, opts.ModuleDir, binDir)
		results = append(results, rs...)
		broken += failed
	}
	var microErr error
	if withMicro && ctx.Err() == nil {
		var rs []result.Result
		rs, microErr = r.micro(ctx, opts, microEstimate(opts.Quick, platforms))
		results = append(results, rs...)
	}
	if err := ctx.Err(); err != nil {
		fmt.Fprintf(stderr, "afdbench: interrupted (%v): writing what was measured\n", err)
	}

	var cs []report.Contender
	for _, c := range opts.Contenders {
		cs = append(cs, report.Contender{Name: c.Name, Description: c.Description})
	}
	rec := &report.Run{
		Machine:    report.ThisMachine(withWine),
		Command:    opts.Command,
		Contenders: cs,
		Quick:      opts.Quick,
		Started:    started.UTC(),
		Seconds:    time.Since(started).Seconds(),
		Results:    results,
	}
	if err := writeOutputs(rec, opts, stdout, stderr); err != nil {
		return fatal(err)
	}
	switch {
	case broken > 0:
		return fatal(fmt.Errorf("%d measurements failed: see the errors under the tables", broken))
	case microErr != nil:
		return fatal(microErr)
	case ctx.Err() != nil:
		return 1
	}
	return 0
}

// preparePlatforms returns the platforms called names, with their Wine
// servers started, and whether one of them is Wine.
func preparePlatforms(names []string, cache string, pin bool) ([]*platform, bool, error) {
	var (
		platforms []*platform
		withWine  bool
	)
	for _, name := range names {
		p, err := newPlatform(name, cache)
		if err != nil {
			return nil, false, err
		}
		p.Pin = pin && p.Wine == nil
		if p.Wine != nil {
			withWine = true
			if err := p.Wine.StartServer(); err != nil {
				return nil, false, err
			}
		}
		platforms = append(platforms, p)
	}
	return platforms, withWine, nil
}

// micro runs the poller micro-benchmarks on opts' platforms. Their
// results may carry errors of their own (Go's net UDP under Wine); the
// error is for a run that could not be done.
func (r *runner) micro(ctx context.Context, opts *options, estimate float64) ([]result.Result, error) {
	r.progress.begin(estimate, "micro-benchmarks of the poller")
	rs, err := micro.Run(ctx, micro.Options{
		Quick: opts.Quick, Platforms: opts.Platforms, Root: filepath.Dir(opts.ModuleDir), Cache: opts.Cache,
		Progress: r.progress.note,
	})
	if err != nil {
		err = fmt.Errorf("micro-benchmarks: %w", err)
		r.progress.end("FAILED: %v", err)
		return rs, err
	}
	r.progress.end("%d figures", len(rs))
	return rs, nil
}

// runGroup builds g's server and runs its jobs. It returns their results
// and the number of jobs that failed.
func (r *runner) runGroup(ctx context.Context, g *group, moduleDir, binDir string) ([]result.Result, int) {
	r.progress.begin(buildEstimate, "build %s for %s (%s)", g.contender.Name, g.platform.Name, g.contender.Package)
	bin, err := build(ctx, moduleDir, g.contender.Package, g.contender.Name, g.platform, binDir)
	if err != nil {
		r.progress.end("FAILED: %v", err)
		var rs []result.Result
		for _, j := range g.jobs {
			rs = append(rs, j.failed(err)...)
			r.progress.skip(j.estimate)
		}
		return rs, len(g.jobs)
	}
	r.progress.end("built")
	var (
		rs     []result.Result
		failed int
	)
	for _, j := range g.jobs {
		r.progress.begin(j.estimate, "%s", j)
		jrs, summary := r.run(ctx, j, bin)
		r.progress.end("%s", summary)
		if slices.ContainsFunc(jrs, func(r result.Result) bool { return r.Err != "" }) {
			failed++
		}
		rs = append(rs, jrs...)
		if ctx.Err() != nil {
			break
		}
	}
	return rs, failed
}

// plan lists the jobs of opts on platforms: for each platform, each
// contender that runs there, each workload.
func plan(opts *options, platforms []*platform) []*group {
	set := opts.Settings
	var groups []*group
	for _, p := range platforms {
		start := p.startupSeconds()
		// perConn is what opening a connection costs, in seconds.
		perConn := 0.0003
		if p.Wine != nil {
			perConn = 0.003
		}
		window := (set.Warmup + set.Measure).Seconds()
		for _, c := range opts.Contenders {
			if !c.RunsOn(p.GOOS) {
				continue
			}
			// handshake is what a TLS connection adds to opening one.
			handshake := 10 * perConn
			g := &group{platform: p, contender: c}
			add := func(workload string, conns int, estimate float64) {
				g.jobs = append(g.jobs, &job{platform: p, contender: c, workload: workload, conns: conns, estimate: estimate})
			}
			for _, w := range opts.Workloads {
				if f := offered(w); f != "" && !c.Serves(f) {
					continue
				}
				switch w {
				case wlEcho:
					for _, n := range set.EchoConns {
						add(w, n, start+window+float64(n)*perConn)
					}
				case wlStream:
					add(w, 1, start+window)
				case wlChurn:
					add(w, set.ChurnWorkers, start+set.Measure.Seconds())
				case wlIdle:
					add(w, set.IdleConns, start+float64(set.IdleConns)*perConn)
				case wlWineRequests:
					if p.Wine != nil {
						add(w, set.TraceConns, start+5+float64(set.TraceConns*set.TraceRounds)*perConn)
					}
				case wlTLSEcho:
					for _, n := range set.TLSEchoConns {
						add(w, n, start+window+float64(n)*(perConn+handshake))
					}
				case wlTLSIdle:
					add(w, set.TLSIdleConns, start+float64(set.TLSIdleConns)*(perConn+handshake))
				case wlTLSHandshake:
					add(w, set.HandshakeWorkers, start+set.Measure.Seconds())
				case wlHTTPHello, wlHTTPEcho:
					for _, n := range set.HTTPConns {
						add(w, n, start+window+float64(n)*perConn)
					}
				case wlHTTPIdle:
					add(w, set.HTTPIdleConns, start+float64(set.HTTPIdleConns)*perConn)
				case wlWSIdle:
					add(w, set.WSIdleConns, start+float64(set.WSIdleConns)*perConn)
				case wlTLSWineRequests:
					if p.Wine != nil {
						add(w, set.HandshakeWorkers, start+5+set.HTTPTraceWindow.Seconds())
					}
				case wlHTTPWineRequests:
					if p.Wine != nil {
						add(w, set.HTTPTraceConns, start+5+set.HTTPTraceWindow.Seconds()+float64(set.HTTPTraceConns)*10*perConn)
					}
				}
			}
			if len(g.jobs) > 0 {
				groups = append(groups, g)
			}
		}
	}
	return groups
}

// microEstimate is the expected length of the micro-benchmarks, in
// seconds.
func microEstimate(quick bool, platforms []*platform) float64 {
	total := 0.0
	for _, p := range platforms {
		switch {
		case quick && p.Wine != nil:
			total += 60
		case quick:
			total += 15
		case p.Wine != nil:
			total += 180
		default:
			total += 60
		}
	}
	return total
}
