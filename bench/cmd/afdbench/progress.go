package main

import (
	"fmt"
	"io"
	"time"
)

// progress reports on stderr what runs, how long the run has taken and
// how long it should still take: a line when a step starts, one when it
// ends, and notes between for long steps.
type progress struct {
	w     io.Writer
	start time.Time
	steps int
	// estimate is the sum of the steps' estimated seconds, estimated
	// the part of it done; the actual pace of the finished steps scales
	// what is left.
	estimate, estimated float64
	done                int
	current             float64 // estimate of the running step
	stepStart           time.Time
}

func newProgress(w io.Writer, steps int, estimate float64) *progress {
	return &progress{w: w, start: time.Now(), steps: steps, estimate: estimate}
}

// begin reports that a step of about estimate seconds starts.
func (p *progress) begin(estimate float64, format string, args ...any) {
	p.current = estimate
	p.stepStart = time.Now()
	fmt.Fprintf(p.w, "[%*d/%d %s elapsed, ~%s left] %s\n", len(fmt.Sprint(p.steps)), p.done+1, p.steps,
		clock(time.Since(p.start)), clock(p.left()), fmt.Sprintf(format, args...))
}

// note reports something within the running step.
func (p *progress) note(format string, args ...any) {
	fmt.Fprintf(p.w, "    %s\n", fmt.Sprintf(format, args...))
}

// end reports that the running step ended with the given summary.
func (p *progress) end(format string, args ...any) {
	p.done++
	p.estimated += p.current
	fmt.Fprintf(p.w, "    -> %s (%.1fs)\n", fmt.Sprintf(format, args...), time.Since(p.stepStart).Seconds())
}

// skip counts a step of about estimate seconds as done without running
// it.
func (p *progress) skip(estimate float64) {
	p.done++
	p.estimate -= estimate
}

// left estimates the time the remaining steps will take: their estimate,
// scaled by the pace of the steps done once they add up to a few seconds
// (within limits: a cached build takes no time at all).
func (p *progress) left() time.Duration {
	remaining := p.estimate - p.estimated
	pace := 1.0
	if p.estimated >= 5 {
		pace = min(max(time.Since(p.start).Seconds()/p.estimated, 0.5), 4)
	}
	return time.Duration(max(remaining, 0) * pace * float64(time.Second))
}

// clock formats d as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
