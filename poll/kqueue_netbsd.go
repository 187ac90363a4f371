package poll

// golang.org/x/sys has neither EVFILT_EXCEPT nor EV_RECEIPT for NetBSD
// (and NetBSD 9 has neither): Pri is accepted and never reported, and
// changes go to the kernel one per call.
const (
	havePri      = false
	exceptFilter = 0 // unused
	exceptFflags = 0
)

var kqTraits = ktraits{}

// evReceipt is EV_RECEIPT where kqTraits.receipt is set.
const evReceipt = 0 // not in golang.org/x/sys: kqTraits.receipt is false
