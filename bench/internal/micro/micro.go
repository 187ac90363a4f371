// Package micro runs the poller micro-benchmarks for afdbench and turns
// every figure into a result.Result:
//
//   - the Go benchmarks of package poll (go test -bench): time and
//     allocations per ready-event round trip, per Modify and per Add +
//     Delete with 100, 1,000 and 10,000 sockets registered, and how the
//     last two grow with the number of sockets (workloads
//     "micro/round-trip", "micro/round-trip-tcp", "micro/modify",
//     "micro/add-delete");
//   - socket pairs bouncing a message, through a poll.Poller
//     (cmd/afdping, contender "afd-poll") and through Go's net package
//     (bench/cmd/netping, contender "gonet"): events per second and heap
//     allocations per event, over UDP with 1, 50 and 5,000 pairs (10,000
//     sockets) and over TCP with 1 and 50 ("micro/udp-ping",
//     "micro/tcp-ping"; Conns is the number of pairs);
//   - under Wine, wine-server requests per ping event: in total, without
//     the Go runtime's share (which follows wall time, not events, and so
//     varies with the machine's load) and by request name.
//
// The metrics: "ns_per_op" (ns), "allocs_per_op" (allocs),
// "bytes_per_op" (B), "ns_ratio_to_100" (x, the time at Conns sockets
// over that at 100), "events_per_sec" (events/s), "allocs_per_event"
// (allocs), "requests_per_event", "own_requests_per_event" and
// "requests_per_event/NAME" (requests). All but events_per_sec are
// better lower.
//
// Go's net UDP does not run under Wine 8.0 (its sockets fail to open),
// so there the gonet UDP results carry that error and the TCP pings are
// the comparison.
package micro

import (
	"context"
	"fmt"

	"github.com/goafd/afd/bench/internal/result"
)

// Options select what Run measures.
type Options struct {
	// Quick runs every measurement briefly (seconds per platform
	// natively, about a minute under Wine): a check that everything
	// runs, not figures to publish.
	Quick bool
	// Platforms lists where to measure: "linux" (natively, on Linux),
	// "wine" (Windows binaries under Wine, on Linux) and "windows"
	// (natively, on Windows).
	Platforms []string
	// Root is the root of the afd repository (the bench module is its
	// bench folder).
	Root string
	// Cache is the folder that scripts/setup.sh prepared for Wine;
	// empty means $AFD_CACHE, or ~/.cache/goafd without it.
	Cache string
	// Progress, if not nil, is told what runs and what it measured, a
	// line per call (without its newline).
	Progress func(format string, args ...any)
}

// Contender names of the results.
const (
	// afdPoll is this project's poller, made with DeleteBeforeClose as
	// evloop makes it: the benchmarks and afdping.
	afdPoll = "afd-poll"
	// afdPollWatched is the default Poller, which on Windows keeps a poll
	// per socket to notice closes: the benchmarks, on Windows only (on
	// Linux and the BSDs the option changes nothing).
	afdPollWatched = "afd-poll-watched"
	goNet          = "gonet" // Go's net package: netping
)

// Run measures on each platform of opt in turn. A measurement that
// fails gives results whose Err says why, and Run goes on; Run itself
// fails when a platform cannot run here, or when ctx ends. Under Wine,
// Run replaces the prefix's wine server by tracing ones and stops the
// last when it is done: run nothing else in that prefix meanwhile.
func Run(ctx context.Context, opt Options) ([]result.Result, error) {
	if opt.Progress == nil {
		opt.Progress = func(string, ...any) {}
	}
	platforms := make([]*platform, 0, len(opt.Platforms))
	for _, name := range opt.Platforms {
		p, err := newPlatform(name, opt.Root, opt.Cache)
		if err != nil {
			return nil, fmt.Errorf("micro: %w", err)
		}
		platforms = append(platforms, p)
	}
	var results []result.Result
	for _, p := range platforms {
		opt.Progress("micro (%s): go test -bench ./poll", p.name)
		results = append(results, goBenchmarks(ctx, p, opt.Quick)...)
		if err := ctx.Err(); err != nil {
			return results, err
		}
		rs, err := pings(ctx, p, opt)
		results = append(results, rs...)
		if err != nil {
			return results, err
		}
	}
	return results, nil
}
