//go:build darwin || openbsd

package poll

import "golang.org/x/sys/unix"

// Out-of-band data (Pri) is watched with EVFILT_EXCEPT and NOTE_OOB.
const (
	havePri      = true
	exceptFilter = unix.EVFILT_EXCEPT
	exceptFflags = unix.NOTE_OOB
)
