package procmem

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// resident reads VmRSS of /proc/PID/status.
func resident(pid int) (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(rest) // "123456 kB"
			if len(f) == 2 && string(f[1]) == "kB" {
				kb, err := strconv.ParseInt(string(f[0]), 10, 64)
				if err != nil {
					return 0, fmt.Errorf("procmem: VmRSS of %s: %w", path, err)
				}
				return kb << 10, nil
			}
		}
	}
	return 0, fmt.Errorf("procmem: no VmRSS in %s", path)
}
