//go:build !windows

package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestNeedsWindows(t *testing.T) {
	for _, args := range [][]string{nil, {"-all"}, {"-json", "-run", "x"}} {
		var out, errw bytes.Buffer
		if code := run(args, &out, &errw); code != exitUsage {
			t.Errorf("run(%q) = %d, want %d", args, code, exitUsage)
		}
		if out.Len() != 0 {
			t.Errorf("run(%q) wrote to stdout: %q", args, out.String())
		}
		msg := errw.String()
		if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "Windows") || !strings.Contains(msg, "Wine") {
			t.Errorf("run(%q): message %q, want one line naming Windows and Wine", args, msg)
		}
	}
}
