//go:build !linux

package report

import (
	"os"
	"runtime"
	"strconv"
)

// describeSystem fills in what the system's tools tell: sysctl on macOS
// and the BSDs, the environment on Windows.
func describeSystem(m *Machine) {
	switch runtime.GOOS {
	case "darwin":
		m.CPU = or(commandOutput("sysctl", "-n", "machdep.cpu.brand_string"), m.CPU)
		m.RAM, _ = strconv.ParseUint(commandOutput("sysctl", "-n", "hw.memsize"), 10, 64)
	case "freebsd", "netbsd", "openbsd", "dragonfly":
		m.CPU = or(commandOutput("sysctl", "-n", "hw.model"), m.CPU)
		m.RAM, _ = strconv.ParseUint(commandOutput("sysctl", "-n", "hw.physmem"), 10, 64)
	case "windows":
		m.CPU = or(os.Getenv("PROCESSOR_IDENTIFIER"), m.CPU)
	}
	if v := commandOutput("uname", "-sr"); v != "" {
		m.OS = v + " (" + m.OS + ")"
	}
}

// or returns s, or def if s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
