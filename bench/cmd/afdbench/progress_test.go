package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 3, 30)
	p.begin(10, "step %d", 1)
	p.note("halfway")
	p.end("done %s", "well")
	p.skip(10)
	p.begin(10, "step 3")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// The first step took no time: the 10 s left are scaled by the
	// fastest pace counted, 0.5.
	want := []string{"[1/3 0:00 elapsed, ~0:30 left] step 1", "    halfway", "    -> done well (", "[3/3 0:00 elapsed, ~0:05 left] step 3"}
	if len(lines) != len(want) {
		t.Fatalf("progress:\n%s", &buf)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want %q...", i, lines[i], w)
		}
	}
}

func TestClock(t *testing.T) {
	if got := clock(754 * time.Second); got != "12:34" {
		t.Errorf("clock(754s) = %q", got)
	}
}
