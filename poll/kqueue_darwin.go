package poll

import "golang.org/x/sys/unix"

// XNU has EVFILT_EXCEPT with NOTE_OOB, run by the read filter's event
// function (bsd/kern/uipc_socket.c soexcept_filtops), and EV_RECEIPT.
const (
	havePri      = true
	exceptFilter = unix.EVFILT_EXCEPT
	exceptFflags = unix.NOTE_OOB
)

var kqTraits = ktraits{except: true, exceptIsRead: true, receipt: true}

// evReceipt is EV_RECEIPT where kqTraits.receipt is set.
const evReceipt = unix.EV_RECEIPT
