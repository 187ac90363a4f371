// Package report turns afdbench's results into what people read: a
// table on the terminal, CSV and JSON files, SVG plots and BENCHMARKS.md.
// Every figure is shown with its ratio to the baseline, Go's net
// ("gonet"), measured on the same platform in the same run.
package report

import (
	"time"

	"github.com/goafd/afd/bench/internal/result"
)

// Baseline is the contender every result is compared with.
const Baseline = "gonet"

// A Run is one afdbench run: where and how it ran, and what it measured.
type Run struct {
	Machine Machine `json:"machine"`
	// Command is the command line, as a user would type it again.
	Command string `json:"command"`
	// Contenders describes the contenders measured, in order.
	Contenders []Contender `json:"contenders"`
	// Quick tells a short test run from a full one.
	Quick   bool      `json:"quick"`
	Started time.Time `json:"started"`
	// Seconds is the wall-clock length of the run.
	Seconds float64         `json:"seconds"`
	Results []result.Result `json:"results"`
	// Merged lists the earlier runs whose results Results also holds,
	// for the workloads this run did not measure (afdbench -merge).
	Merged []Origin `json:"merged,omitempty"`
}

// A Contender is one of the servers compared, as the report describes it.
type Contender struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}
