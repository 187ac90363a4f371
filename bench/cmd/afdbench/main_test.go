package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goafd/afd/bench/internal/contenders"
	"github.com/goafd/afd/bench/internal/report"
	"github.com/goafd/afd/bench/internal/result"
)

// testContenders are two copies of a tiny Go net echo server: "gonet",
// the baseline, and "copy", whose ratios are then about 1.
var testContenders = []contenders.Contender{
	{Name: report.Baseline, Package: "./cmd/afdbench/testdata/echoserver", GOOS: []string{runtime.GOOS}, Description: "test server"},
	{Name: "copy", Package: "./cmd/afdbench/testdata/echoserver", GOOS: []string{runtime.GOOS}, Description: "test server again"},
}

// testOptions runs every workload but the micro-benchmarks natively, in
// quick mode, writing into a temporary folder.
func testOptions(t *testing.T) *options {
	t.Helper()
	dir, err := moduleDir()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	return &options{
		Quick:      true,
		Platforms:  []string{runtime.GOOS},
		Contenders: testContenders,
		Workloads:  []string{wlEcho, wlStream, wlChurn, wlIdle},
		Out:        out,
		Markdown:   filepath.Join(out, "BENCHMARKS.md"),
		Command:    "cd bench && go run ./cmd/afdbench -test",
		Settings:   quickSettings,
		ModuleDir:  dir,
	}
}

func TestEndToEnd(t *testing.T) {
	opts := testOptions(t)
	// An existing BENCHMARKS.md with an analysis, which must survive.
	const analysis = "The test servers are the same program."
	old := "# old\n" + report.AnalysisStart + "\n" + analysis + "\n" + report.AnalysisEnd + "\n"
	if err := os.WriteFile(opts.Markdown, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if code := run(ctx, opts, &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d, want 0\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}

	// Every workload measured for both contenders, without errors, with
	// the ratios to the baseline.
	f, err := os.Open(filepath.Join(opts.Out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Command != opts.Command || rec.Machine.Cores != runtime.NumCPU() || !rec.Quick {
		t.Errorf("run record: command %q, machine %+v, quick %v", rec.Command, rec.Machine, rec.Quick)
	}
	perContender := map[string]int{ // workload/metric: results
		"stream/" + report.Throughput: 1, "churn/" + report.ConnsPerSec: 1,
		"idle/" + report.RSSPerConn: 1, "idle/" + report.GoMemPerConn: 1, "idle/" + report.HandlesPerConn: 1,
	}
	for _, m := range []string{report.Throughput, report.P50, report.P99, report.Tail, report.Served, report.CPUPerMsg} {
		perContender["echo/"+m] = len(quickSettings.EchoConns)
	}
	got := map[string]int{}
	for _, r := range rec.Results {
		got[r.Workload+"/"+r.Metric]++
		if r.Err != "" {
			t.Errorf("failed: %+v", r)
		}
		if r.Platform != runtime.GOOS {
			t.Errorf("platform %q, want %q", r.Platform, runtime.GOOS)
		}
		switch r.Metric {
		case report.Throughput, report.ConnsPerSec, report.P50, report.CPUPerMsg:
			if r.Value <= 0 {
				t.Errorf("%s %s %s at %d conns = %v, want > 0", r.Contender, r.Workload, r.Metric, r.Conns, r.Value)
			}
		case report.Served:
			// A goroutine per connection serves them all, but leave room
			// for a loaded machine in the short window.
			if r.Value < 0.9*float64(r.Conns) {
				t.Errorf("%s served %v of %d connections, want about all", r.Contender, r.Value, r.Conns)
			}
		case report.HandlesPerConn:
			if r.Value < 0.9 || r.Value > 1.5 {
				t.Errorf("%s: %v handles per connection, want about 1", r.Contender, r.Value)
			}
		}
	}
	for k, n := range perContender {
		if got[k] != n*len(testContenders) {
			t.Errorf("%d results for %s, want %d", got[k], k, n*len(testContenders))
		}
	}
	if len(got) != len(perContender) {
		t.Errorf("results for %v, want for %v", got, perContender)
	}

	// The outputs: CSV, plots, the table, and BENCHMARKS.md with the
	// analysis kept.
	csvFile, err := os.Open(filepath.Join(opts.Out, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer csvFile.Close()
	if rs, err := report.ReadCSV(csvFile); err != nil || len(rs) != len(rec.Results) {
		t.Errorf("results.csv: %d results (%v), want %d", len(rs), err, len(rec.Results))
	}
	svgs, _ := filepath.Glob(filepath.Join(opts.Out, "*.svg"))
	if len(svgs) < 4 {
		t.Errorf("plots: %v, want echo throughput, p50, p99, served and idle", svgs)
	}
	for _, s := range []string{"echo, 100 connections", "copy", "(1.00x)"} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("stdout lacks %q:\n%s", s, &stdout)
		}
	}
	if !strings.Contains(stderr.String(), "] "+runtime.GOOS+" copy echo, 100 conns") {
		t.Errorf("progress lacks the echo step of copy:\n%s", &stderr)
	}
	md, err := os.ReadFile(opts.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	if report.Analysis(md) != analysis {
		t.Errorf("BENCHMARKS.md analysis = %q, want %q", report.Analysis(md), analysis)
	}
	if !bytes.Contains(md, []byte("](echo-throughput-"+runtime.GOOS+".svg)")) {
		t.Errorf("BENCHMARKS.md does not show the throughput plot:\n%s", md)
	}

	// -from writes the same outputs again from results.json.
	again := *opts
	again.From = filepath.Join(opts.Out, "results.json")
	again.Out = t.TempDir()
	again.Markdown = filepath.Join(again.Out, "BENCHMARKS.md")
	var stdout2 bytes.Buffer
	if code := rewrite(&again, &stdout2, &stderr); code != 0 {
		t.Fatalf("rewrite = %d\n%s", code, &stderr)
	}
	if stdout2.String() != stdout.String() {
		t.Errorf("-from printed another table:\n%s\nwant:\n%s", &stdout2, &stdout)
	}
	md2, err := os.ReadFile(again.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md2, []byte("### echo, 100 connections")) {
		t.Errorf("-from BENCHMARKS.md lacks the echo tables:\n%s", md2)
	}
}

func TestEndToEndBrokenContender(t *testing.T) {
	opts := testOptions(t)
	opts.Contenders = testContenders[:1]
	opts.Workloads = []string{wlEcho, wlStream}
	t.Setenv("AFDBENCH_TEST_DAMAGE", "1") // the servers echo wrong bytes
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), opts, &stdout, &stderr); code != 1 {
		t.Fatalf("run with a broken contender = %d, want 1\nstderr:\n%s", code, &stderr)
	}
	f, err := os.Open(filepath.Join(opts.Out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rec.Results {
		// The sink does not echo: stream works; every echo fails.
		if failed := r.Err != ""; failed != (r.Workload == wlEcho) {
			t.Errorf("%s %s: err %q", r.Workload, r.Metric, r.Err)
		}
		if r.Workload == wlEcho && !strings.Contains(r.Err, "echo differs") {
			t.Errorf("echo error %q does not say the echo differs", r.Err)
		}
	}
	if !strings.Contains(stdout.String(), "! "+runtime.GOOS+" gonet: echo") {
		t.Errorf("the table does not list the failure:\n%s", &stdout)
	}
}

func TestEndToEndUnsupportedContradictsRegistry(t *testing.T) {
	opts := testOptions(t)
	opts.Contenders = testContenders[:1]
	opts.Workloads = []string{wlStream}
	t.Setenv("AFDBENCH_TEST_UNSUPPORTED", "1")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), opts, &stdout, &stderr); code != 1 {
		t.Fatalf("run with a server that exits 2 = %d, want 1", code)
	}
	if !strings.Contains(stdout.String(), "though the registry says it runs on "+runtime.GOOS) {
		t.Errorf("the table does not report the contradiction:\n%s", &stdout)
	}
}

func TestEndToEndBuildFailure(t *testing.T) {
	opts := testOptions(t)
	opts.Contenders = []contenders.Contender{{Name: "missing", Package: "./cmd/afdbench/testdata/nosuchserver", GOOS: []string{runtime.GOOS}}}
	opts.Workloads = []string{wlStream}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), opts, &stdout, &stderr); code != 1 {
		t.Fatalf("run with a contender that does not build = %d, want 1", code)
	}
	if !strings.Contains(stdout.String(), "build ./cmd/afdbench/testdata/nosuchserver") {
		t.Errorf("the table does not report the build failure:\n%s", &stdout)
	}
}

func TestParseFlags(t *testing.T) {
	var stderr bytes.Buffer
	opts, err := parseFlags([]string{"-quick", "-contenders", "gonet,evloop", "-workloads", "echo, idle"}, &stderr)
	if err != nil {
		t.Fatalf("%v: %s", err, &stderr)
	}
	var names []string
	for _, c := range opts.Contenders {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"gonet", "evloop"}) || !slices.Equal(opts.Workloads, []string{"echo", "idle"}) {
		t.Errorf("contenders %v, workloads %v", names, opts.Workloads)
	}
	quick, err := parseFlags([]string{"-quick"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(quick.Workloads, wlMicro) || slices.Contains(quick.Workloads, wlHTTPWineRequests) ||
		slices.Contains(quick.Workloads, wlTLSWineRequests) || !slices.Contains(quick.Workloads, wlEcho) ||
		!slices.Contains(quick.Workloads, wlTLSHandshake) || !slices.Contains(quick.Workloads, wlHTTPIdle) {
		t.Errorf("-quick runs %v, want all but micro and the traced TLS and HTTP workloads", quick.Workloads)
	}
	if opts.Markdown != "" || opts.Settings.IdleConns != quickSettings.IdleConns {
		t.Errorf("-quick: markdown %q, idle conns %d; want none and %d", opts.Markdown, opts.Settings.IdleConns, quickSettings.IdleConns)
	}
	if !strings.HasSuffix(opts.Command, "afdbench -quick -contenders gonet,evloop -workloads 'echo, idle'") {
		t.Errorf("command %q", opts.Command)
	}

	full, err := parseFlags(nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(full.Markdown) != "BENCHMARKS.md" || full.Settings.IdleConns != 10_000 || !slices.Equal(full.Workloads, allWorkloads) {
		t.Errorf("full run: markdown %q, idle conns %d, workloads %v", full.Markdown, full.Settings.IdleConns, full.Workloads)
	}

	for _, bad := range [][]string{{"-contenders", "nosuch"}, {"-workloads", "nosuch"}, {"extra"}} {
		if _, err := parseFlags(bad, &stderr); err == nil {
			t.Errorf("parseFlags(%q) succeeded", bad)
		}
	}
}

// TestEndToEndWine runs the test server as a Windows binary under Wine,
// with the wineserver request count, where Wine is set up
// (scripts/setup.sh).
func TestEndToEndWine(t *testing.T) {
	if testing.Short() {
		t.Skip("Wine is slow to start: not in -short mode")
	}
	if runtime.GOOS != "linux" {
		t.Skip("Wine runs on linux only")
	}
	p, err := newPlatform("wine", defaultCache())
	if err != nil {
		t.Skipf("no Wine: %v", err)
	}
	if err := p.Wine.StartServer(); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(t)
	opts.Platforms = []string{"wine"}
	opts.Cache = defaultCache()
	opts.Contenders = []contenders.Contender{testContenders[0]}
	opts.Contenders[0].GOOS = []string{"windows"}
	opts.Workloads = []string{wlEcho, wlWineRequests}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), opts, &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d, want 0\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	f, err := os.Open(filepath.Join(opts.Out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Machine.Wine == "" {
		t.Error("the machine record lacks the Wine version")
	}
	var perMsg []float64
	for _, r := range rec.Results {
		if r.Platform != "wine" {
			t.Errorf("result on platform %q, want wine", r.Platform)
		}
		if r.Metric == report.RequestsPerMsg {
			perMsg = append(perMsg, r.Value)
		}
	}
	// An echo costs the server at least a receive and a send.
	if len(perMsg) != 1 || perMsg[0] < 2 {
		t.Errorf("wineserver requests per message: %v, want one figure of 2 or more", perMsg)
	}
}

func TestCheckFDLimit(t *testing.T) {
	if err := checkFDLimit(10); err != nil {
		t.Errorf("10 connections: %v", err)
	}
	if runtime.GOOS != "windows" {
		// 2^30: beyond any descriptor limit, and within the int of
		// 32-bit systems.
		if err := checkFDLimit(1 << 30); err == nil {
			t.Error("2^30 connections: no error")
		}
	}
}

func TestMergeKeepsEarlierWorkloads(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rec *report.Run) string {
		path := filepath.Join(dir, name)
		if err := writeFile(path, func(w io.Writer) error { return report.WriteJSON(w, rec) }); err != nil {
			t.Fatal(err)
		}
		return path
	}
	res := func(workload, contender string, v float64) result.Result {
		return result.Result{Platform: "linux", Workload: workload, Conns: 100, Contender: contender,
			Metric: report.Throughput, Value: v, Unit: "msg/s"}
	}
	earlier := write("earlier.json", &report.Run{Command: "the earlier command", Started: time.Unix(1e9, 0),
		Results: []result.Result{res("echo", "gonet", 1), res("tls-echo", "gonet", 2)}})
	later := write("later.json", &report.Run{Command: "the later command", Started: time.Unix(2e9, 0),
		Results: []result.Result{res("tls-echo", "gonet", 20), res("tls-echo", "evloop", 40)}})
	opts := &options{From: later, Merge: earlier, Out: filepath.Join(dir, "out"), Markdown: filepath.Join(dir, "BENCHMARKS.md")}
	var stdout, stderr bytes.Buffer
	if code := rewrite(opts, &stdout, &stderr); code != 0 {
		t.Fatalf("rewrite = %d\n%s", code, &stderr)
	}
	md, err := os.ReadFile(opts.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### echo, 100 connections", "### tls-echo, 100 connections", "| linux | evloop | 40 (2.00x) |",
		"the later command", "The tables of echo are kept from an earlier run", "the earlier command"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("BENCHMARKS.md lacks %q:\n%s", want, md)
		}
	}
	if bytes.Contains(md, []byte("| linux | gonet | 2 ")) {
		t.Errorf("BENCHMARKS.md keeps the earlier tls-echo figure that the later run measured again:\n%s", md)
	}
}
