package report

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// describeSystem fills in the CPU model, the memory and the distribution
// from /proc and /etc/os-release.
func describeSystem(m *Machine) {
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPU = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		kb, err := strconv.ParseUint(strings.TrimSuffix(v, " kB"), 10, 64)
		if err == nil {
			m.RAM = kb << 10
		}
	}
	if v := osRelease(); v != "" {
		m.OS = v + " (" + m.OS + ")"
	}
	if v := procField("/proc/sys/kernel/osrelease", ""); v != "" {
		m.OS += ", kernel " + v
	}
}

// procField returns the value of the first "key: value" line of a file,
// or its first line if key is empty; "" if there is none.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if key == "" {
			return strings.TrimSpace(sc.Text())
		}
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// osRelease returns PRETTY_NAME from /etc/os-release.
func osRelease() string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
