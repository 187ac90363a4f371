package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"
)

// The markers around the hand-written analysis of BENCHMARKS.md, which
// WriteMarkdown keeps when it regenerates the rest.
const (
	AnalysisStart = "<!-- analysis -->"
	AnalysisEnd   = "<!-- /analysis -->"
)

// noAnalysis stands in for the analysis until someone writes one.
const noAnalysis = "_Not written yet: read the tables and plots below, then write here what they show._"

// A Plot is an SVG file to show in the markdown.
type Plot struct {
	Title string
	// Path is the file's path relative to the markdown file, with
	// forward slashes.
	Path string
}

//go:embed benchmarks.md.tmpl
var markdownText string

var markdownTemplate = template.Must(template.New("BENCHMARKS.md").Funcs(template.FuncMap{
	"row":      markdownRow,
	"align":    markdownAlign,
	"duration": func(s float64) string { return time.Duration(s * float64(time.Second)).Round(time.Second).String() },
	"utc":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") },
	"list":     func(ws []string) string { return strings.Join(ws, ", ") },
}).Parse(markdownText))

// Analysis returns the hand-written analysis of an existing BENCHMARKS.md,
// the text between AnalysisStart and AnalysisEnd; a placeholder if doc
// has none.
func Analysis(doc []byte) string {
	_, rest, ok := bytes.Cut(doc, []byte(AnalysisStart))
	if !ok {
		return noAnalysis
	}
	text, _, ok := bytes.Cut(rest, []byte(AnalysisEnd))
	if !ok {
		return noAnalysis
	}
	if s := strings.TrimSpace(string(text)); s != "" {
		return s
	}
	return noAnalysis
}

// WriteMarkdown writes BENCHMARKS.md for run: the machine, the command,
// analysis (see Analysis) between its markers, the tables with ratios to
// the baseline, the plots, and links to results.csv and results.json in
// dataDir (relative to the markdown file, with forward slashes).
func WriteMarkdown(w io.Writer, run *Run, dataDir string, plots []Plot, analysis string) error {
	data := struct {
		Run           *Run
		Baseline      string
		Tables        []Table
		Plots         []Plot
		DataDir       string
		AnalysisStart string
		Analysis      string
		AnalysisEnd   string
	}{run, Baseline, Tables(run.Results, Baseline), plots, dataDir, AnalysisStart, analysis, AnalysisEnd}
	var buf bytes.Buffer
	if err := markdownTemplate.Execute(&buf, data); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// markdownRow formats one row of a table: platform, contender, cells.
func markdownRow(r Row) string {
	cols := []string{r.Platform, r.Contender}
	for _, c := range r.Cells {
		cols = append(cols, c.String())
	}
	return "| " + strings.Join(cols, " | ") + " |"
}

// markdownAlign formats a table's header and alignment lines.
func markdownAlign(t Table) string {
	head := []string{"platform", "contender"}
	align := []string{"---", "---"}
	for i := range t.Metrics {
		head = append(head, t.Header(i))
		align = append(align, "--:")
	}
	return "| " + strings.Join(head, " | ") + " |\n|" + strings.Join(align, "|") + "|"
}
