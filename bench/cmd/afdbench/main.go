// Command afdbench compares this project's event loop with other Go
// network servers: it builds each contender's server (bench/servers), runs
// it as a separate process on loopback, natively and as a Windows binary
// under Wine, drives it with the same Go net client, and reports every
// figure with its ratio to Go's net measured on the same platform in the
// same run: a table on stdout, results.csv, results.json and SVG plots in
// -out, and BENCHMARKS.md.
//
// Usage, from the bench folder:
//
//	go run ./cmd/afdbench [-quick] [-pin] [-platforms linux,wine] [-contenders evloop,gonet]
//	    [-workloads echo,stream,churn,idle,wine-requests,tls-echo,tls-idle,tls-handshake,
//	    tls-wine-requests,http-hello,http-echo,http-idle,http-wine-requests,ws-idle,micro]
//	    [-out DIR] [-md FILE] [-merge FILE]
//
// The tls-*, http-* and ws-* workloads run on the contenders that serve
// TLS (-tls), HTTP (-mode http) and WebSocket (-mode ws), as package
// contenders lists them; the
// *wine-requests workloads on Wine only.
//
//	go run ./cmd/afdbench -from results/results.json
//	go run ./cmd/afdbench -workloads tls-echo,http-hello -merge results/results.json
//
// -cpuprofile DIR has each native server write a CPU profile of its job
// (go tool pprof reads them): where a server's time per message goes.
//
// -pin (Linux) runs the client on CPU 0 and each native server on CPU 1,
// so that the client's share of the machine does not move the server's
// figures; the servers then see one CPU.
//
// -quick runs every workload briefly (the TLS, HTTP and WebSocket ones
// at a few connections), but the micro-benchmarks and the traced TLS and HTTP
// workloads unless -workloads names them, writes to a temporary folder and leaves
// BENCHMARKS.md alone: it checks that every contender builds, starts,
// echoes the right bytes and exits cleanly, and fails only if one does
// not, never on timing. -from writes the outputs again from the
// results.json of an earlier run, after a change to the report, without
// measuring. -merge keeps the results of an earlier run's results.json for
// the workloads this run does not measure (or the run of -from does not
// hold), so that a run of some workloads adds their tables to the
// record; BENCHMARKS.md names both runs. Progress goes to stderr. The exit status is 1
// if any contender failed, 2 on bad usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/goafd/afd/bench/internal/contenders"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	if opts.From != "" {
		os.Exit(rewrite(opts, os.Stdout, os.Stderr))
	}
	if opts.Pin {
		if err := pinClient(); err != nil {
			fmt.Fprintf(os.Stderr, "afdbench: %v\n", err)
			os.Exit(1)
		}
	}
	os.Exit(run(ctx, opts, os.Stdout, os.Stderr))
}

// options are what the command line asks for.
type options struct {
	Quick      bool
	Platforms  []string
	Contenders []contenders.Contender
	Workloads  []string
	// Out is the folder of the output files; empty: bench/results, or
	// a temporary folder in quick mode.
	Out string
	// Markdown is the BENCHMARKS.md to regenerate; empty: none.
	Markdown string
	// Cache is the folder scripts/setup.sh prepared for Wine.
	Cache string
	// Command is the command line, for the report.
	Command string
	// Settings are the workloads' sizes and durations.
	Settings settings
	// ModuleDir is the bench module's root.
	ModuleDir string
	// Pin runs the client on CPU 0 and each native server on CPU 1.
	Pin bool
	// From, if set, is the results.json of an earlier run to write the
	// outputs from again, measuring nothing.
	From string
	// Merge, if set, is the results.json of an earlier run whose results
	// of the workloads not measured are kept (report.Merge).
	Merge string
	// ProfileDir, if set, is where native servers write CPU profiles,
	// one per job.
	ProfileDir string
}

// parseFlags turns the command line into options; it reports errors on
// stderr.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("afdbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names []string
	for _, c := range contenders.All() {
		names = append(names, c.Name)
	}
	quick := fs.Bool("quick", false, "run briefly, to check that every contender works; write to a temporary folder, leave BENCHMARKS.md alone")
	platforms := fs.String("platforms", defaultPlatforms(), "comma-separated `platforms`: the host's GOOS, and wine on linux")
	cs := fs.String("contenders", strings.Join(names, ","), "comma-separated `contenders`")
	workloads := fs.String("workloads", "", "comma-separated `workloads` (default: all; with -quick, all but micro, tls-wine-requests and http-wine-requests)")
	out := fs.String("out", "", "output `folder` (default: bench/results; with -quick, a temporary folder)")
	md := fs.String("md", "", "BENCHMARKS.md `file` to regenerate (default: the repository's, unless -quick; \"-\" for none)")
	cache := fs.String("cache", defaultCache(), "`folder` prepared by scripts/setup.sh, holding the Wine prefix")
	pin := fs.Bool("pin", false, "Linux: run the client on CPU 0 and each native server on CPU 1 (taskset), so that they do not share a core; Wine servers are not pinned")
	from := fs.String("from", "", "measure nothing: write the outputs again from the results.json `file` of an earlier run")
	profiles := fs.String("cpuprofile", "", "native servers write a CPU profile of each job into `folder` (platform-contender-workload-conns.pprof)")
	merge := fs.String("merge", "", "keep the results of the results.json `file` of an earlier run for the workloads this run does not measure")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) (*options, error) {
		err := fmt.Errorf(format, args...)
		fmt.Fprintf(stderr, "afdbench: %v\n", err)
		return nil, err
	}
	if fs.NArg() > 0 {
		return fail("unexpected arguments %q", fs.Args())
	}
	dir, err := moduleDir()
	if err != nil {
		return fail("%v", err)
	}
	opts := &options{
		Quick:      *quick,
		Platforms:  splitList(*platforms),
		Out:        *out,
		Cache:      *cache,
		Command:    commandLine(args),
		From:       *from,
		Merge:      *merge,
		ProfileDir: *profiles,
		Settings:   fullSettings,
		ModuleDir:  dir,
		Pin:        *pin,
	}
	if opts.Pin {
		if _, err := exec.LookPath("taskset"); !pinSupported || err != nil || runtime.NumCPU() < 2 {
			return fail("-pin: needs Linux, taskset(1) and two CPUs")
		}
	}
	if opts.Quick {
		opts.Settings = quickSettings
	}
	for _, name := range splitList(*cs) {
		c, ok := contenders.Lookup(name)
		if !ok {
			return fail("-contenders: unknown contender %q (known: %s)", name, strings.Join(names, ", "))
		}
		opts.Contenders = append(opts.Contenders, c)
	}
	if *workloads == "" {
		*workloads = strings.Join(defaultWorkloads(*quick), ",")
	}
	for _, w := range splitList(*workloads) {
		if !slices.Contains(allWorkloads, w) {
			return fail("-workloads: unknown workload %q (known: %s)", w, strings.Join(allWorkloads, ", "))
		}
		opts.Workloads = append(opts.Workloads, w)
	}
	switch {
	case *md == "-":
	case *md != "":
		opts.Markdown = *md
	case !opts.Quick:
		opts.Markdown = filepath.Join(filepath.Dir(dir), "BENCHMARKS.md")
	}
	return opts, nil
}

// defaultWorkloads is every workload, but in quick mode the
// micro-benchmarks (their own quick run takes about a minute under Wine,
// and package micro's tests check them) and the traced variants of the
// TLS and HTTP workloads (tls-wine-requests, http-wine-requests: each
// restarts the wine server twice, about 4 s a contender, and checks no
// contender more than tls-handshake and http-hello do; wine-requests
// checks the tracing).
func defaultWorkloads(quick bool) []string {
	if quick {
		return slices.DeleteFunc(slices.Clone(allWorkloads), func(w string) bool {
			return w == wlMicro || w == wlTLSWineRequests || w == wlHTTPWineRequests
		})
	}
	return allWorkloads
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// commandLine is the command that repeats this run, from the
// repository's root.
func commandLine(args []string) string {
	parts := []string{"cd bench && go run ./cmd/afdbench"}
	for _, a := range args {
		if strings.ContainsAny(a, " \t\"'$\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
