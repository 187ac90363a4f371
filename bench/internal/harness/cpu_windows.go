package harness

import "golang.org/x/sys/windows"

// cpuTime returns the processor time of the process, user and kernel, in
// nanoseconds, or 0.
func cpuTime() uint64 {
	var creation, exit, kernel, user windows.Filetime
	if windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user) != nil {
		return 0
	}
	return (intervals(kernel) + intervals(user)) * 100
}

// intervals returns a Filetime that holds a duration as its count of
// 100-nanosecond intervals.
func intervals(ft windows.Filetime) uint64 {
	return uint64(ft.HighDateTime)<<32 | uint64(ft.LowDateTime)
}
