package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/goafd/afd/bench/internal/result"
)

// csvHeader is the first line of results.csv.
var csvHeader = []string{"platform", "workload", "conns", "contender", "metric", "value", "unit", "ratio", "err"}

// WriteCSV writes rs as CSV, one result a line after a header, with each
// result's ratio to baseline's figure (empty where there is none).
func WriteCSV(w io.Writer, rs []result.Result, baseline string) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for i, ratio := range Ratios(rs, baseline) {
		r := rs[i]
		ratioText := ""
		if !math.IsNaN(ratio) {
			ratioText = strconv.FormatFloat(ratio, 'g', -1, 64)
		}
		cw.Write([]string{
			r.Platform, r.Workload, strconv.Itoa(r.Conns), r.Contender, r.Metric,
			strconv.FormatFloat(r.Value, 'g', -1, 64), r.Unit, ratioText, r.Err,
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// ReadCSV reads results written by WriteCSV; the ratios are dropped, as
// Ratios computes them again.
func ReadCSV(r io.Reader) ([]result.Result, error) {
	lines, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	if len(lines) == 0 || !slices.Equal(lines[0], csvHeader) {
		return nil, fmt.Errorf("read csv: the header is not %q", csvHeader)
	}
	rs := make([]result.Result, 0, len(lines)-1)
	for i, l := range lines[1:] {
		conns, err := strconv.Atoi(l[2])
		if err != nil {
			return nil, fmt.Errorf("read csv: line %d: conns: %w", i+2, err)
		}
		value, err := strconv.ParseFloat(l[5], 64)
		if err != nil {
			return nil, fmt.Errorf("read csv: line %d: value: %w", i+2, err)
		}
		rs = append(rs, result.Result{
			Platform: l[0], Workload: l[1], Conns: conns, Contender: l[3],
			Metric: l[4], Value: value, Unit: l[6], Err: l[8],
		})
	}
	return rs, nil
}
