//go:build !windows

package poll

import "testing"

// checkInvariants checks the Windows poller's invariants; the kernel
// keeps epoll's and kqueue's.
func checkInvariants(t testing.TB, p *Poller) {}

// blockedWaits: epoll and kqueue keep no count of blocked Waits.
func blockedWaits(p *Poller) (n int, known bool) { return 0, false }
