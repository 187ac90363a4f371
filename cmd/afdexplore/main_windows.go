package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/goafd/afd/internal/scenario"
)

// run is the command: main passes it the arguments and the standard
// streams, and exits with what it returns.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("afdexplore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		all     = fs.Bool("all", false, "run every scenario and print a table")
		pattern = fs.String("run", "", "run the scenarios whose names match this regular `expression` (implies -all)")
		asJSON  = fs.Bool("json", false, "print the results as JSON (implies -all)")
		list    = fs.Bool("list", false, "list the scenarios and what Windows does in each")
		strict  = fs.Bool("strict", false, "count known Wine differences as failures")
		timeout = fs.Duration("timeout", 5*time.Second, "bound each wait of a scenario by `d`")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: afdexplore [-all | -run regexp | -list] [-json] [-strict] [-timeout d]")
		fmt.Fprintln(stderr, `With no flags, walk through a poll of \Device\Afd step by step, as "Adventures with \Device\Afd" does.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "afdexplore: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintln(stderr, "afdexplore: -timeout must be positive")
		return exitUsage
	}
	scenarios, err := scenario.Select(*pattern)
	if err != nil {
		fmt.Fprintf(stderr, "afdexplore: -run: %v\n", err)
		return exitUsage
	}

	switch {
	case *list:
		for _, s := range scenarios {
			fmt.Fprintf(stdout, "%s\n\t%s\n", s.Name, s.Truth)
		}
		return exitOK
	case !*all && *pattern == "" && !*asJSON:
		if err := explore(stdout); err != nil {
			fmt.Fprintf(stderr, "afdexplore: %v\n", err)
			return exitDiff
		}
		return exitOK
	}

	if len(scenarios) == 0 {
		fmt.Fprintf(stderr, "afdexplore: no scenario matches %q\n", *pattern)
		return exitUsage
	}
	results := scenario.RunAll(scenarios, scenario.Config{Timeout: *timeout})
	if *asJSON {
		err = scenario.WriteJSON(stdout, results)
	} else {
		if v, ok := scenario.Wine(); ok {
			fmt.Fprintf(stdout, "Running under Wine %s. EXPECTED is what Windows does.\n\n", v)
		}
		err = scenario.WriteTable(stdout, results)
	}
	if err != nil {
		fmt.Fprintf(stderr, "afdexplore: %v\n", err)
		return exitDiff
	}
	if scenario.Failed(results, *strict) {
		var names []string
		for _, r := range results {
			if r.Verdict.Failed() || *strict && r.Verdict == scenario.VerdictWine {
				names = append(names, r.Name)
			}
		}
		fmt.Fprintf(stderr, "afdexplore: differs from Windows: %s\n", strings.Join(names, ", "))
		return exitDiff
	}
	return exitOK
}
