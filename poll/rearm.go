package poll

import "fmt"

// Rearm tells the Poller that the caller has drained the socket fd for
// the events ev: it read (for In, Pri) or wrote (for Out) until the
// operation would block. Edge-triggered registrations need it on Windows
// and nowhere else; it is cheap everywhere, so portable code calls it
// after every WouldBlock.
//
// Why: Linux reports an edge when the kernel sees new readiness. The AFD
// driver cannot say "not ready any more": once it has reported data, a
// new poll reports the same data again at once. The Windows backend
// therefore stops watching an event after reporting it on an Edge
// registration, until Rearm (or Modify) says the socket was drained. A
// caller that follows the edge-triggered rule of epoll, "read until
// EAGAIN", and calls Rearm at that point, sees the same edges on every
// platform. On Linux and the BSDs Rearm only checks its arguments.
//
// Rearming an unknown socket fails with an error matching
// fs.ErrNotExist on Windows; elsewhere the check would cost a system
// call and is skipped.
func (p *Poller) Rearm(fd uintptr, ev Events) error {
	if !p.enter() {
		return fmt.Errorf("poll: rearm fd %d: %w", fd, ErrClosed)
	}
	defer p.exit()
	if err := checkEvents(0, ev); err != nil {
		return fmt.Errorf("poll: rearm fd %d: %w", fd, err)
	}
	if err := p.sys.rearm(fd, ev); err != nil {
		return fmt.Errorf("poll: rearm fd %d: %w", fd, err)
	}
	return nil
}
