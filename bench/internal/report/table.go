package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goafd/afd/bench/internal/result"
)

// A Table holds the results of one workload at one number of
// connections: a row per platform and contender, a column per metric.
type Table struct {
	Workload string
	Conns    int
	Metrics  []string
	Units    []string // Units[i] is the unit of Metrics[i]
	Rows     []Row
	// Errors lists the failures of the table's rows, "platform
	// contender: message", once each.
	Errors []string
}

// A Row is one contender on one platform.
type Row struct {
	Platform, Contender string
	Cells               []Cell // Cells[i] is for Table.Metrics[i]
}

// A Cell is one figure with its ratio to the baseline.
type Cell struct {
	Present bool    // false where the row has no such figure
	Failed  bool    // the contender failed: Value means nothing
	Value   float64 // in Table.Units[i]
	Ratio   float64 // NaN if there is no baseline figure
}

// Title names the table: the workload, and the connections if more than
// one (churn and tls-handshake: the workers, each with a connection at a
// time).
func (t *Table) Title() string {
	if t.Conns <= 1 {
		return t.Workload
	}
	what := "connections"
	if t.Workload == "churn" || t.Workload == "tls-handshake" {
		what = "workers"
	}
	return fmt.Sprintf("%s, %s %s", t.Workload, groupThousands(fmt.Sprint(t.Conns)), what)
}

// Header returns the title of column i: metric, unit, and which way is
// better.
func (t *Table) Header(i int) string {
	arrow := "↑"
	if LowerIsBetter(t.Metrics[i]) {
		arrow = "↓"
	}
	if t.Units[i] == "" {
		return metricLabel(t.Metrics[i]) + " " + arrow
	}
	return fmt.Sprintf("%s %s %s", metricLabel(t.Metrics[i]), t.Units[i], arrow)
}

// Tables arranges rs into tables, in the order their workloads,
// connection counts, metrics and contenders first appear in rs, with each
// figure's ratio to baseline's. Breakdowns (see IsBreakdown) are left out.
func Tables(rs []result.Result, baseline string) []Table {
	rs = slices.DeleteFunc(slices.Clone(rs), func(r result.Result) bool { return IsBreakdown(r.Metric) })
	ratios := Ratios(rs, baseline)
	type tableKey struct {
		workload string
		conns    int
	}
	var (
		tables []Table
		index  = make(map[tableKey]int)
	)
	// First pass: the tables, their metrics and rows, in order.
	for _, r := range rs {
		k := tableKey{r.Workload, r.Conns}
		ti, ok := index[k]
		if !ok {
			ti = len(tables)
			index[k] = ti
			tables = append(tables, Table{Workload: r.Workload, Conns: r.Conns})
		}
		t := &tables[ti]
		if r.Metric != "" && !slices.Contains(t.Metrics, r.Metric) {
			t.Metrics = append(t.Metrics, r.Metric)
			t.Units = append(t.Units, r.Unit)
		}
		if t.row(r.Platform, r.Contender) < 0 {
			t.Rows = append(t.Rows, Row{Platform: r.Platform, Contender: r.Contender})
		}
	}
	// Second pass: the cells.
	for i, r := range rs {
		t := &tables[index[tableKey{r.Workload, r.Conns}]]
		row := &t.Rows[t.row(r.Platform, r.Contender)]
		if row.Cells == nil {
			row.Cells = make([]Cell, len(t.Metrics))
		}
		if r.Err != "" {
			msg := fmt.Sprintf("%s %s: %s", r.Platform, r.Contender, oneLine(r.Err, maxErrLen))
			if !slices.Contains(t.Errors, msg) {
				t.Errors = append(t.Errors, msg)
			}
		}
		if m := slices.Index(t.Metrics, r.Metric); m >= 0 {
			row.Cells[m] = Cell{Present: true, Failed: r.Err != "", Value: r.Value, Ratio: ratios[i]}
		} else {
			// A failure without a metric fails the whole row.
			for m := range row.Cells {
				row.Cells[m] = Cell{Present: true, Failed: true, Ratio: ratios[i]}
			}
		}
	}
	return tables
}

// row returns the index of the row of platform and contender, -1 if none.
func (t *Table) row(platform, contender string) int {
	return slices.IndexFunc(t.Rows, func(r Row) bool {
		return r.Platform == platform && r.Contender == contender
	})
}

// String formats the cell's value and ratio, "error" if it failed and ""
// if it is absent.
func (c Cell) String() string {
	switch {
	case !c.Present:
		return ""
	case c.Failed:
		return "error"
	}
	if r := formatRatio(c.Ratio); r != "" {
		return formatValue(c.Value) + " (" + r + ")"
	}
	return formatValue(c.Value)
}

// maxErrLen bounds the error messages shown in tables.
const maxErrLen = 400

// oneLine collapses the whitespace of s, newlines included, into single
// spaces and cuts it to at most n bytes, for a table.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
