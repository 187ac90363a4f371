package micro

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/goafd/afd/bench/internal/result"
)

// goBenchmarks runs the benchmarks of package poll on p and returns
// their figures: with the option DeleteBeforeClose (afdPoll) and, on
// Windows, without (afdPollWatched). Quick runs each 50 times; otherwise
// they run for the default second natively and 2,000 times under Wine,
// where an operation takes up to milliseconds.
func goBenchmarks(ctx context.Context, p *platform, quick bool) []result.Result {
	var rs []result.Result
	rs = append(rs, goBenchmarksOf(ctx, p, quick, afdPoll)...)
	if p.name != "linux" && ctx.Err() == nil {
		rs = append(rs, goBenchmarksOf(ctx, p, quick, afdPollWatched)...)
	}
	return rs
}

// goBenchmarksOf runs the benchmarks of package poll on p for one of the
// contenders afdPoll and afdPollWatched: the poll tests' switch
// POLL_TEST_DELETE_BEFORE_CLOSE makes their Pollers with the option.
func goBenchmarksOf(ctx context.Context, p *platform, quick bool, contender string) []result.Result {
	benchtime := "1s"
	switch {
	case quick:
		benchtime = "50x"
	case p.wine():
		benchtime = "2000x"
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchmem",
		"-benchtime", benchtime, "./poll")
	cmd.Dir = p.root
	dbc := "0"
	if contender == afdPoll {
		dbc = "1"
	}
	cmd.Env = append(slices.Clone(p.env), "POLL_TEST_DELETE_BEFORE_CLOSE="+dbc)
	out, err := output(cmd, 10*time.Minute, false)
	benchmarks, perr := parseBench(strings.NewReader(string(out)))
	rs := benchResults(p.name, contender, benchmarks)
	if err == nil {
		err = perr
	}
	if err == nil && len(benchmarks) == 0 {
		err = fmt.Errorf("no benchmark results")
	}
	if err != nil {
		rs = append(rs, result.Result{Platform: p.name, Workload: "micro/benchmarks", Contender: contender,
			Metric: "ns_per_op", Unit: "ns",
			Err: fmt.Sprintf("go test -bench ./poll: %v: %s", err, lastLines(out, 5))})
	}
	return rs
}

// A benchmark is one line of go test -bench output.
type benchmark struct {
	// Name is the benchmark's name without "Benchmark" and without the
	// -GOMAXPROCS suffix: "RoundTrip", "AddDelete/n=100".
	Name        string
	Iterations  int64
	NsPerOp     float64
	BytesPerOp  float64
	AllocsPerOp float64
	// Mem tells whether the line had B/op and allocs/op (-benchmem).
	Mem bool
}

// parseBench reads the benchmark lines of go test -bench output; other
// lines are skipped.
func parseBench(r io.Reader) ([]benchmark, error) {
	var bs []benchmark
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue // a benchmark's own log line
		}
		b := benchmark{Name: trimProcs(strings.TrimPrefix(f[0], "Benchmark")), Iterations: n}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return bs, fmt.Errorf("benchmark %s: %s %s: %w", b.Name, f[i], f[i+1], err)
			}
			switch f[i+1] {
			case "ns/op":
				b.NsPerOp = v
			case "B/op":
				b.BytesPerOp, b.Mem = v, true
			case "allocs/op":
				b.AllocsPerOp, b.Mem = v, true
			}
		}
		bs = append(bs, b)
	}
	return bs, sc.Err()
}

// trimProcs removes the -GOMAXPROCS suffix that go test adds to
// benchmark names when GOMAXPROCS is not 1.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// benchResults turns the benchmarks of contender into results. "AddDelete/n=100"
// becomes workload "micro/add-delete" with Conns 100 (the sockets
// registered); a benchmark without n= has Conns 1. A workload measured
// with n=100 and more also gets, at each larger n, the time per
// operation over that at 100 (metric "ns_ratio_to_100"): flat costs
// stay near 1.
func benchResults(platform, contender string, bs []benchmark) []result.Result {
	var rs []result.Result
	at100 := map[string]float64{}
	type scaled struct {
		workload string
		n        int
		ns       float64
	}
	var larger []scaled
	for _, b := range bs {
		workload, n := benchWorkload(b.Name)
		r := result.Result{Platform: platform, Workload: workload, Conns: n, Contender: contender}
		r.Metric, r.Value, r.Unit = "ns_per_op", b.NsPerOp, "ns"
		rs = append(rs, r)
		if b.Mem {
			r.Metric, r.Value, r.Unit = "allocs_per_op", b.AllocsPerOp, "allocs"
			rs = append(rs, r)
			r.Metric, r.Value, r.Unit = "bytes_per_op", b.BytesPerOp, "B"
			rs = append(rs, r)
		}
		switch {
		case n == 100:
			at100[workload] = b.NsPerOp
		case n > 100:
			larger = append(larger, scaled{workload, n, b.NsPerOp})
		}
	}
	for _, s := range larger {
		if base, ok := at100[s.workload]; ok && base > 0 {
			rs = append(rs, result.Result{Platform: platform, Workload: s.workload, Conns: s.n, Contender: contender,
				Metric: "ns_ratio_to_100", Value: s.ns / base, Unit: "x"})
		}
	}
	return rs
}

// benchWorkload names the workload of a benchmark: "micro/" and its
// name in lower case with words split by dashes, and the n of an "n="
// sub-benchmark (1 without).
func benchWorkload(name string) (string, int) {
	n := 1
	if i := strings.Index(name, "/n="); i >= 0 {
		if v, err := strconv.Atoi(name[i+3:]); err == nil {
			name, n = name[:i], v
		}
	}
	var b strings.Builder
	b.WriteString("micro/")
	prev := rune(0)
	for _, c := range name {
		switch {
		case c == '/' || c == '_':
			c = '-'
		case unicode.IsUpper(c) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(c))
		prev = c
	}
	return b.String(), n
}
