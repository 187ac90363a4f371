package report

import (
	"math"

	"github.com/goafd/afd/bench/internal/result"
)

// figureKey identifies one figure across contenders: the baseline's
// figure with the same key is what a result is compared with.
type figureKey struct {
	platform, workload string
	conns              int
	metric             string
}

func keyOf(r result.Result) figureKey {
	return figureKey{r.Platform, r.Workload, r.Conns, r.Metric}
}

// Ratios returns, for each result, its value divided by the baseline's
// value for the same platform, workload, connections and metric in rs:
// 1 for the baseline itself, above 1 when the figure is larger. It is NaN
// where there is no such baseline figure, where the baseline's is 0, or
// where either failed.
func Ratios(rs []result.Result, baseline string) []float64 {
	base := make(map[figureKey]float64)
	for _, r := range rs {
		if r.Contender == baseline && r.Err == "" {
			base[keyOf(r)] = r.Value
		}
	}
	ratios := make([]float64, len(rs))
	for i, r := range rs {
		b, ok := base[keyOf(r)]
		if !ok || b == 0 || r.Err != "" {
			ratios[i] = math.NaN()
			continue
		}
		ratios[i] = r.Value / b
	}
	return ratios
}
