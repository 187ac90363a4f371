package report

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goafd/afd/bench/internal/result"
)

// sample is a small run's results on two platforms, with a failure.
var sample = []result.Result{
	{Platform: "linux", Workload: "echo", Conns: 100, Contender: "evloop", Metric: Throughput, Value: 150000, Unit: "msg/s"},
	{Platform: "linux", Workload: "echo", Conns: 100, Contender: "evloop", Metric: P99, Value: 900, Unit: "µs"},
	{Platform: "linux", Workload: "echo", Conns: 100, Contender: "gonet", Metric: Throughput, Value: 100000, Unit: "msg/s"},
	{Platform: "linux", Workload: "echo", Conns: 100, Contender: "gonet", Metric: P99, Value: 1200, Unit: "µs"},
	{Platform: "wine", Workload: "echo", Conns: 100, Contender: "evloop", Metric: Throughput, Value: 3000, Unit: "msg/s"},
	{Platform: "wine", Workload: "echo", Conns: 100, Contender: "gonet", Metric: Throughput, Value: 2000, Unit: "msg/s"},
	{Platform: "wine", Workload: "echo", Conns: 100, Contender: "gnet", Err: "echo: connection 3, message 0: EOF\nstderr: panic"},
	{Platform: "linux", Workload: "idle", Conns: 200, Contender: "evloop", Metric: RSSPerConn, Value: 2048.5, Unit: "B"},
	{Platform: "linux", Workload: "idle", Conns: 200, Contender: "nbio", Metric: RSSPerConn, Value: 3000, Unit: "B"},
}

func TestRatios(t *testing.T) {
	got := Ratios(sample, Baseline)
	want := []float64{1.5, 0.75, 1, 1, 1.5, 1, math.NaN(), math.NaN(), math.NaN()}
	for i := range want {
		if !(got[i] == want[i] || math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Errorf("ratio of %+v = %v, want %v", sample[i], got[i], want[i])
		}
	}
}

func TestRatiosIgnoreFailedBaseline(t *testing.T) {
	rs := []result.Result{
		{Platform: "wine", Workload: "churn", Contender: "gonet", Metric: ConnsPerSec, Value: 10, Err: "timeout"},
		{Platform: "wine", Workload: "churn", Contender: "evloop", Metric: ConnsPerSec, Value: 20},
	}
	if r := Ratios(rs, Baseline); !math.IsNaN(r[0]) || !math.IsNaN(r[1]) {
		t.Errorf("ratios against a failed baseline = %v, want NaN", r)
	}
}

func TestTables(t *testing.T) {
	tables := Tables(sample, Baseline)
	if len(tables) != 2 {
		t.Fatalf("%d tables, want 2 (echo 100, idle 200)", len(tables))
	}
	echo := tables[0]
	if echo.Title() != "echo, 100 connections" || !reflect.DeepEqual(echo.Metrics, []string{Throughput, P99}) {
		t.Errorf("echo table: title %q, metrics %v", echo.Title(), echo.Metrics)
	}
	if len(echo.Rows) != 5 {
		t.Fatalf("echo table has %d rows, want 5", len(echo.Rows))
	}
	wantCells := []string{"150,000 (1.50x)", "900 (0.75x)"}
	for i, c := range echo.Rows[0].Cells {
		if c.String() != wantCells[i] {
			t.Errorf("linux evloop cell %d = %q, want %q", i, c.String(), wantCells[i])
		}
	}
	if c := echo.Rows[4].Cells; echo.Rows[4].Contender != "gnet" || c[0].String() != "error" || c[1].String() != "error" {
		t.Errorf("failed row = %+v, want every cell an error", echo.Rows[4])
	}
	if c := echo.Rows[2].Cells[1]; echo.Rows[2].Platform != "wine" || c.Present {
		t.Errorf("wine evloop has no p99 but the cell is %+v", c)
	}
	if len(echo.Errors) != 1 || strings.Contains(echo.Errors[0], "\n") || !strings.HasPrefix(echo.Errors[0], "wine gnet: ") {
		t.Errorf("Errors = %q, want the gnet failure on one line", echo.Errors)
	}
	if h := echo.Header(1); h != "p99 µs ↓" {
		t.Errorf("p99 header = %q", h)
	}
}

func TestTablesLeaveOutBreakdowns(t *testing.T) {
	rs := []result.Result{
		{Platform: "wine", Workload: "micro/tcp-ping", Contender: "afd-poll", Metric: "requests_per_event", Value: 9},
		{Platform: "wine", Workload: "micro/tcp-ping", Contender: "afd-poll", Metric: "requests_per_event/select", Value: 3},
	}
	tables := Tables(rs, Baseline)
	if len(tables) != 1 || !reflect.DeepEqual(tables[0].Metrics, []string{"requests_per_event"}) {
		t.Errorf("tables %+v, want one with the total only", tables)
	}
	if !LowerIsBetter("requests_per_event/select") || LowerIsBetter("events_per_sec") {
		t.Error("LowerIsBetter: breakdowns should follow their total; events per second are better higher")
	}
}

func TestWriteText(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, Tables(sample, Baseline), Baseline); err != nil {
		t.Fatal(err)
	}
	// The idle table has no gonet figure, hence no ratios.
	for _, want := range []string{"echo, 100 connections", "150,000 (1.50x)", "! wine gnet: echo: connection 3", "2,048\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, sample, Baseline); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ",1.5,") {
		t.Errorf("CSV lacks the 1.5 ratio of linux evloop:\n%s", buf.String())
	}
	got, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sample) {
		t.Errorf("CSV round trip:\n got %+v\nwant %+v", got, sample)
	}
	if _, err := ReadCSV(strings.NewReader("a,b\n1,2\n")); err == nil {
		t.Error("ReadCSV accepted a file with another header")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	run := &Run{
		Machine:    Machine{CPU: "Test CPU", Cores: 2, RAM: 8 << 30, OS: "linux/amd64", Go: "go1.26", Wine: "wine-8.0"},
		Command:    "cd bench && go run ./cmd/afdbench -quick",
		Contenders: []Contender{{Name: "evloop", Description: "this project"}},
		Quick:      true,
		Started:    time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC),
		Seconds:    42.5,
		Results:    sample,
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, run); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, run) {
		t.Errorf("JSON round trip:\n got %+v\nwant %+v", got, run)
	}
}

func TestMarkdownKeepsAnalysis(t *testing.T) {
	run := &Run{
		Machine: Machine{CPU: "Test CPU", Cores: 2, RAM: 8 << 30, OS: "linux/amd64", Go: "go1.26", Wine: "wine-8.0"},
		Command: "cd bench && go run ./cmd/afdbench",
		Started: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC),
		Seconds: 600,
		Results: sample,
	}
	plots := []Plot{{Title: "echo throughput, linux", Path: "bench/results/echo-throughput-linux.svg"}}

	// A first file has no analysis: it gets the placeholder.
	var first bytes.Buffer
	if err := WriteMarkdown(&first, run, "bench/results", plots, Analysis(nil)); err != nil {
		t.Fatal(err)
	}
	if Analysis(first.Bytes()) != noAnalysis {
		t.Fatalf("analysis of a new file = %q, want the placeholder", Analysis(first.Bytes()))
	}

	// Someone writes the analysis; generating again keeps it, and only it.
	const text = "evloop serves **all** 1000 connections under Wine.\n\n| a | b |\n|---|---|"
	edited := strings.Replace(first.String(), noAnalysis, text, 1)
	edited = strings.Replace(edited, "Test CPU", "Old CPU", 1)
	var second bytes.Buffer
	if err := WriteMarkdown(&second, run, "bench/results", plots, Analysis([]byte(edited))); err != nil {
		t.Fatal(err)
	}
	doc := second.String()
	if Analysis(second.Bytes()) != text {
		t.Errorf("analysis after regeneration = %q, want %q", Analysis(second.Bytes()), text)
	}
	for _, want := range []string{
		"| CPU | Test CPU |", "| Wine | wine-8.0 |", "cd bench && go run ./cmd/afdbench",
		"### echo, 100 connections", "| linux | evloop | 150,000 (1.50x) | 900 (0.75x) |",
		"- failed: wine gnet: echo: connection 3", "![echo throughput, linux](bench/results/echo-throughput-linux.svg)",
		"2026-11-25 15:00 UTC", "10m0s", "[results.csv](bench/results/results.csv)",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("markdown lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "Old CPU") {
		t.Error("regeneration kept text from outside the analysis")
	}
}

func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	plots, err := WritePlots(dir, sample)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range plots {
		names = append(names, p.Path)
		data, err := os.ReadFile(filepath.Join(dir, p.Path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("<svg")) {
			t.Errorf("%s is not an SVG", p.Path)
		}
	}
	// The sample has echo throughput on both platforms, p99 on linux
	// only, no served figures, and idle RSS.
	want := []string{"echo-throughput-linux.svg", "echo-p99-linux.svg", "echo-throughput-wine.svg", "idle-rss.svg"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("plots = %v, want %v", names, want)
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 49: "49", 0.0123: "0.0123", 3.14159: "3.14", 42.42: "42.4", 512.4: "512",
		1234567.8: "1,234,568", -4321: "-4,321", math.NaN(): "-",
	} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", v, got, want)
		}
	}
}
