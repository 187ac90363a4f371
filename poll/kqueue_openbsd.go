package poll

import "golang.org/x/sys/unix"

// OpenBSD has EVFILT_EXCEPT with NOTE_OOB; its filt_soread, given
// NOTE_OOB, fires for the out-of-band mark alone (sys/kern/uipc_socket.c).
// It has EV_RECEIPT.
const (
	havePri      = true
	exceptFilter = unix.EVFILT_EXCEPT
	exceptFflags = unix.NOTE_OOB
)

var kqTraits = ktraits{except: true, receipt: true}

// evReceipt is EV_RECEIPT where kqTraits.receipt is set.
const evReceipt = unix.EV_RECEIPT
