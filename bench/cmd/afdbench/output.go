package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goafd/afd/bench/internal/report"
)

// writeOutputs prints the tables on stdout and writes results.csv,
// results.json and the plots into the output folder, and BENCHMARKS.md
// if asked.
func writeOutputs(rec *report.Run, opts *options, stdout, stderr io.Writer) error {
	if opts.Merge != "" {
		earlier, err := readRun(opts.Merge)
		if err != nil {
			return err
		}
		rec = report.Merge(rec, earlier)
	}
	out := opts.Out
	switch {
	case out == "" && opts.Quick:
		dir, err := os.MkdirTemp("", "afdbench-quick-")
		if err != nil {
			return err
		}
		out = dir
	case out == "":
		out = filepath.Join(opts.ModuleDir, "results")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "%s\n%s\n", rec.Machine, rec.Command)
	if err := report.WriteText(stdout, report.Tables(rec.Results, report.Baseline), report.Baseline); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "results.csv"), func(w io.Writer) error {
		return report.WriteCSV(w, rec.Results, report.Baseline)
	}); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "results.json"), func(w io.Writer) error {
		return report.WriteJSON(w, rec)
	}); err != nil {
		return err
	}
	plots, err := report.WritePlots(out, rec.Results)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "afdbench: wrote results.csv, results.json and %d plots in %s\n", len(plots), out)
	if opts.Markdown == "" {
		return nil
	}
	return writeMarkdown(opts.Markdown, out, rec, plots)
}

// writeMarkdown regenerates the markdown file md, keeping its analysis,
// with the plots of folder out.
func writeMarkdown(md, out string, rec *report.Run, plots []report.Plot) error {
	old, err := os.ReadFile(md)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(md), out)
	if err != nil {
		return fmt.Errorf("markdown %s: plots in %s: %w", md, out, err)
	}
	for i := range plots {
		plots[i].Path = filepath.ToSlash(filepath.Join(rel, plots[i].Path))
	}
	var buf bytes.Buffer
	if err := report.WriteMarkdown(&buf, rec, filepath.ToSlash(rel), plots, report.Analysis(old)); err != nil {
		return err
	}
	if err := os.WriteFile(md, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	return nil
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// rewrite writes the outputs of the run recorded in opts.From again, into
// opts.Out and opts.Markdown, and returns the exit status.
func rewrite(opts *options, stdout, stderr io.Writer) int {
	rec, err := readRun(opts.From)
	if err != nil {
		fmt.Fprintf(stderr, "afdbench: %v\n", err)
		return 1
	}
	if err := writeOutputs(rec, opts, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "afdbench: %v\n", err)
		return 1
	}
	return 0
}

// readRun reads the results.json file path.
func readRun(path string) (*report.Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rec, err := report.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rec, nil
}
