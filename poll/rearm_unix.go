//go:build !windows

package poll

// rearm is nothing to do where the kernel tracks edges itself.
func (s *sysPoller) rearm(fd uintptr, ev Events) error { return nil }
