package report

import (
	"bytes"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

// Machine describes the computer a run measured: figures from different
// machines do not compare.
type Machine struct {
	CPU   string `json:"cpu"`
	Cores int    `json:"cores"`
	// RAM is the physical memory in bytes; 0 if unknown.
	RAM  uint64 `json:"ram"`
	OS   string `json:"os"`
	Go   string `json:"go"`
	Wine string `json:"wine,omitempty"`
}

// ThisMachine describes the machine it runs on. The Wine version is
// asked of `wine --version` when withWine is set. Figures it cannot find
// are "unknown" (or 0).
func ThisMachine(withWine bool) Machine {
	m := Machine{
		CPU:   "unknown",
		Cores: runtime.NumCPU(),
		OS:    runtime.GOOS + "/" + runtime.GOARCH,
		Go:    runtime.Version(),
	}
	describeSystem(&m)
	if withWine {
		m.Wine = commandOutput("wine", "--version")
		if m.Wine == "" {
			m.Wine = "unknown"
		}
	}
	return m
}

// commandOutput returns the trimmed output of a command, or "" if it
// fails.
func commandOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(out))
}

// RAMString formats RAM in GiB.
func (m Machine) RAMString() string {
	if m.RAM == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.1f GiB", float64(m.RAM)/(1<<30))
}

// String formats m on one line.
func (m Machine) String() string {
	s := fmt.Sprintf("%s, %d cores, %s RAM, %s, %s", m.CPU, m.Cores, m.RAMString(), m.OS, m.Go)
	if m.Wine != "" {
		s += ", " + m.Wine
	}
	return strings.TrimSpace(s)
}
