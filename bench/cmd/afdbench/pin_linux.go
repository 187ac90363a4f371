package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"golang.org/x/sys/unix"
)

// pinSupported reports whether -pin can work here.
const pinSupported = true

// pinClient binds every thread of this process, the client, to CPU 0.
// Threads started later inherit the binding from the thread that starts
// them.
func pinClient() error {
	var set unix.CPUSet
	set.Set(0)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("pin: %w", err)
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		// A thread may have exited since the listing.
		if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("pin: thread %d: %w", tid, err)
		}
	}
	return nil
}

// pinServer makes cmd run on CPU 1 from its first instruction, through
// taskset(1), so that every thread it starts stays there; a Go server
// then sees one CPU (GOMAXPROCS 1).
func pinServer(cmd *exec.Cmd) *exec.Cmd {
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return cmd
	}
	pinned := exec.Command(taskset, append([]string{"--cpu-list", "1", cmd.Path}, cmd.Args[1:]...)...)
	pinned.Env, pinned.Dir = cmd.Env, cmd.Dir
	return pinned
}
