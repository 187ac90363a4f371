package serverproc

import (
	"os"
	"os/exec"
)

// ownGroup does nothing on Windows: the servers start no processes.
func ownGroup(cmd *exec.Cmd) {}

// killGroup kills the server.
func killGroup(cmd *exec.Cmd) {
	cmd.Process.Kill()
}

// killed reports whether the process was killed by a signal: never on
// Windows, which has none (Wine, whose kill it is about, runs on Unix).
func killed(ps *os.ProcessState) bool { return false }
