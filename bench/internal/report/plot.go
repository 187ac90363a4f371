package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/goafd/afd/bench/internal/result"
)

// A barChart is a grouped bar chart: a group of bars on the x axis per
// group, a bar in each per series (contender).
type barChart struct {
	file, title, yLabel string
	groups              []string
	series              []string
	values              [][]float64 // values[series][group]; NaN: no bar
}

// WritePlots draws the charts of rs as SVG files in dir and returns them
// with Path the file name. Charts without data are left out.
//
// Per platform: echo throughput, p50 and p99 latency, and the share of
// connections served, against the number of connections. Across
// platforms: the resident memory per idle connection.
func WritePlots(dir string, rs []result.Result) ([]Plot, error) {
	var charts []barChart
	for _, p := range distinct(rs, func(r result.Result) string { return r.Platform }) {
		on := func(r result.Result) bool { return r.Platform == p && r.Workload == "echo" }
		charts = append(charts,
			byConns(rs, on, Throughput, "echo-throughput-"+p, "echo throughput, "+p, "round trips/s", 1),
			byConns(rs, on, P50, "echo-p50-"+p, "echo p50 latency, "+p, "µs", 1),
			byConns(rs, on, P99, "echo-p99-"+p, "echo p99 latency, "+p, "µs", 1),
			byConns(rs, on, Served, "echo-served-"+p, "echo: connections served in the window, "+p, "% of connections", 100),
		)
	}
	charts = append(charts, byPlatform(rs, "idle", RSSPerConn, "idle-rss", "resident memory per idle connection", "bytes"))

	var plots []Plot
	for _, c := range charts {
		if len(c.groups) == 0 || len(c.series) == 0 {
			continue
		}
		file := c.file + ".svg"
		if err := c.save(filepath.Join(dir, file)); err != nil {
			return nil, err
		}
		plots = append(plots, Plot{Title: c.title, Path: file})
	}
	return plots, nil
}

// byConns charts metric of the results that on accepts, grouped by the
// number of connections, a series per contender. A scale other than 1
// divides each value by the connections and multiplies it by scale.
func byConns(rs []result.Result, on func(result.Result) bool, metric, file, title, yLabel string, scale float64) barChart {
	sel := selectResults(rs, func(r result.Result) bool { return on(r) && r.Metric == metric })
	conns := distinct(sel, func(r result.Result) int { return r.Conns })
	slices.Sort(conns)
	c := barChart{file: file, title: title, yLabel: yLabel,
		series: distinct(sel, func(r result.Result) string { return r.Contender })}
	for _, n := range conns {
		label := strconv.Itoa(n) + " conns"
		if n == 1 {
			label = "1 conn"
		}
		c.groups = append(c.groups, label)
	}
	c.values = fill(sel, c.series, len(conns), func(r result.Result) int { return slices.Index(conns, r.Conns) })
	if scale != 1 {
		for s := range c.values {
			for g, n := range conns {
				c.values[s][g] *= scale / float64(n)
			}
		}
	}
	return c
}

// byPlatform charts metric of workload grouped by platform, a series per
// contender.
func byPlatform(rs []result.Result, workload, metric, file, title, yLabel string) barChart {
	sel := selectResults(rs, func(r result.Result) bool { return r.Workload == workload && r.Metric == metric })
	c := barChart{file: file, title: title, yLabel: yLabel,
		groups: distinct(sel, func(r result.Result) string { return r.Platform }),
		series: distinct(sel, func(r result.Result) string { return r.Contender })}
	c.values = fill(sel, c.series, len(c.groups), func(r result.Result) int { return slices.Index(c.groups, r.Platform) })
	return c
}

// fill makes the values of a chart: NaN everywhere, then the value of each
// successful result in sel at its contender's series and group.
func fill(sel []result.Result, series []string, groups int, group func(result.Result) int) [][]float64 {
	values := make([][]float64, len(series))
	for s := range values {
		values[s] = make([]float64, groups)
		for g := range values[s] {
			values[s][g] = math.NaN()
		}
	}
	for _, r := range sel {
		if r.Err == "" {
			values[slices.Index(series, r.Contender)][group(r)] = r.Value
		}
	}
	return values
}

// Chart geometry: the size of the image, and the share of each group's
// room that its bars take.
const (
	chartWidth  = 16 * vg.Centimeter
	chartHeight = 10 * vg.Centimeter
	// plotWidth is about the width of the data area, without the axis.
	plotWidth = chartWidth - 2*vg.Centimeter
	barsShare = 0.8
	// headroom above the highest bar keeps it clear of the legend.
	headroom = 1.3
)

// save draws the chart into an SVG file.
func (c *barChart) save(path string) error {
	p := plot.New()
	p.Title.Text = c.title
	p.Y.Label.Text = c.yLabel
	p.Legend.Top = true
	p.NominalX(c.groups...)
	p.X.Min, p.X.Max = -0.5, float64(len(c.groups))-0.5
	width := plotWidth * barsShare / vg.Length(len(c.groups)*len(c.series))
	highest := 0.0
	for s, name := range c.series {
		vals := make(plotter.Values, len(c.groups))
		for g, v := range c.values[s] {
			if !math.IsNaN(v) {
				vals[g] = v // a missing bar is drawn as 0
				highest = max(highest, v)
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return fmt.Errorf("plot %s: %w", c.file, err)
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(s)
		bars.Offset = width * vg.Length(float64(s)-float64(len(c.series)-1)/2)
		p.Add(bars)
		p.Legend.Add(name, bars)
	}
	p.Y.Min, p.Y.Max = 0, max(highest*headroom, 1)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot %s: %w", c.file, err)
	}
	wt, err := p.WriterTo(chartWidth, chartHeight, "svg")
	if err == nil {
		_, err = wt.WriteTo(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("plot %s: %w", c.file, err)
	}
	return nil
}

// selectResults returns the results that keep accepts.
func selectResults(rs []result.Result, keep func(result.Result) bool) []result.Result {
	var sel []result.Result
	for _, r := range rs {
		if keep(r) {
			sel = append(sel, r)
		}
	}
	return sel
}

// distinct returns the distinct values of key over rs, in order of first
// appearance.
func distinct[K comparable](rs []result.Result, key func(result.Result) K) []K {
	var ks []K
	for _, r := range rs {
		if k := key(r); !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	return ks
}
