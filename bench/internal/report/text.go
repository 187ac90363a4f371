package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the tables for a terminal: aligned columns, each
// figure followed by its ratio to the baseline, failures listed below
// their table.
func WriteText(w io.Writer, tables []Table, baseline string) error {
	fmt.Fprintf(w, "(ratio) = figure / %s's on the same platform; ↑ higher is better, ↓ lower is better\n", baseline)
	for _, t := range tables {
		fmt.Fprintf(w, "\n%s\n", t.Title())
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := []string{"platform", "contender"}
		for i := range t.Metrics {
			head = append(head, t.Header(i))
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, r := range t.Rows {
			cols := []string{r.Platform, r.Contender}
			for _, c := range r.Cells {
				cols = append(cols, c.String())
			}
			fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, e := range t.Errors {
			fmt.Fprintf(w, "  ! %s\n", e)
		}
	}
	return nil
}
