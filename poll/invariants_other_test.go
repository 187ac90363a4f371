//go:build !windows

package poll

import "testing"

// checkInvariants checks the Windows poller's invariants; the kernel
// keeps epoll's and kqueue's.
func checkInvariants(t testing.TB, p *Poller) {}
