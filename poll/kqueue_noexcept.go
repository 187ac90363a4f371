//go:build freebsd || netbsd

package poll

// These systems have no kqueue filter for out-of-band data (EVFILT_EXCEPT
// with NOTE_OOB): Pri is accepted and never reported.
const (
	havePri      = false
	exceptFilter = 0 // unused
	exceptFflags = 0
)
