package poll

import "golang.org/x/sys/unix"

// FreeBSD has no kqueue filter for out-of-band data: Pri is accepted and
// never reported. It has EV_RECEIPT.
const (
	havePri      = false
	exceptFilter = 0 // unused
	exceptFflags = 0
)

var kqTraits = ktraits{receipt: true}

// evReceipt is EV_RECEIPT where kqTraits.receipt is set.
const evReceipt = unix.EV_RECEIPT
