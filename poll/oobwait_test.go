//go:build !(darwin || freebsd || netbsd || openbsd)

package poll

import (
	"testing"

	"github.com/goafd/afd/internal/sock"
)

// waitOOB waits until h has out-of-band data, with a Poller: Pri is
// reported on these systems.
func waitOOB(t *testing.T, h sock.Handle) {
	t.Helper()
	p := newPoller(t)
	add(t, p, h, 99, Pri)
	expect(t, p, 99, Pri)
}
