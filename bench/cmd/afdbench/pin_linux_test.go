package main

import (
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestPinServer: a pinned server runs on CPU 1 alone; Go in it sees one
// CPU.
func TestPinServer(t *testing.T) {
	if _, err := exec.LookPath("taskset"); err != nil || runtime.NumCPU() < 2 {
		t.Skip("needs taskset and two CPUs")
	}
	cmd := pinServer(exec.Command("/bin/sh", "-c", "taskset -p $$"))
	if !slices.Equal(cmd.Args[1:4], []string{"--cpu-list", "1", "/bin/sh"}) {
		t.Fatalf("pinned command line %q", cmd.Args)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	// "pid 123's current affinity mask: 2"
	if !strings.HasSuffix(strings.TrimSpace(string(out)), ": 2") {
		t.Fatalf("affinity of the pinned process: %q, want mask 2 (CPU 1)", out)
	}
}
