package serverproc

import "os/exec"

// ownGroup does nothing on Windows: the servers start no processes.
func ownGroup(cmd *exec.Cmd) {}

// killGroup kills the server.
func killGroup(cmd *exec.Cmd) {
	cmd.Process.Kill()
}
