package poll

import "github.com/goafd/afd"

// The translation between epoll bits and AFD_POLL_* bits that the Windows
// backend uses. It is portable so that its tests run everywhere.

// afdReportable are the AFD events that epollEvents turns into
// readiness: every event a poll may ask for but LocalClose, which asks
// for no readiness but tells that the socket was closed.
var afdReportable = [...]afd.Events{
	afd.Receive, afd.ReceiveExpedited, afd.Send, afd.Disconnect,
	afd.Abort, afd.ConnectFail, afd.Accept,
}

// afdInterest returns the AFD events a poll asks for to cover the epoll
// interest ev of a socket (datagram: a UDP one): exactly those whose
// report epollEvents and reported turn into a bit of ev (Err and Hup,
// which pass unasked, make it always ask for Abort and ConnectFail), and
// LocalClose. It is the inverse of the report by construction. A poll
// that asked for more would complete with nothing to deliver (WrBand of
// a TCP socket asked for Send, which only UDP sockets report as WrBand;
// RdBand asked for ReceiveExpedited, which Linux reports as Pri), and
// one that asked for less would miss readiness.
func afdInterest(ev Events, datagram bool) afd.Events {
	a := afd.LocalClose
	for _, b := range afdReportable {
		if reported(epollEvents(b, datagram), ev) != 0 {
			a |= b
		}
	}
	return a
}

// epollEvents returns the readiness Linux reports for a socket in the
// state the AFD events describe, before epoll masks it with the interest.
// datagram selects the bits of a UDP socket's writability.
func epollEvents(a afd.Events, datagram bool) Events {
	var ev Events
	if a&(afd.Receive|afd.Accept) != 0 {
		ev |= In | RdNorm
	}
	if a&afd.ReceiveExpedited != 0 {
		ev |= Pri
	}
	if a&afd.Send != 0 {
		ev |= Out | WrNorm
		if datagram {
			ev |= WrBand
		}
	}
	if a&afd.Disconnect != 0 {
		ev |= In | RdNorm | RdHup
	}
	if a&(afd.Abort|afd.ConnectFail) != 0 {
		// A reset or refused connection is closed both ways and has an
		// error: Linux wakes readers and writers alike.
		ev |= In | RdNorm | RdHup | Out | WrNorm | Err | Hup
	}
	return ev
}

// reported masks the readiness ev with the interest, as epoll does: Err and
// Hup pass whether asked for or not.
func reported(ev, interest Events) Events {
	return ev & (interest&^modeFlags | Err | Hup)
}

// afdConsumed returns the AFD events whose firing an edge-triggered
// registration has just reported as ev, and so stops watching until the
// caller rearms them.
func afdConsumed(a afd.Events) afd.Events {
	return a & (afd.Receive | afd.Accept | afd.ReceiveExpedited | afd.Send |
		afd.Disconnect | afd.Abort | afd.ConnectFail)
}

// afdRearmed returns the AFD events that Rearm(ev) watches again.
func afdRearmed(ev Events) afd.Events {
	var a afd.Events
	if ev&(In|RdNorm) != 0 {
		a |= afd.Receive | afd.Accept
	}
	if ev&(Pri|RdBand) != 0 {
		a |= afd.ReceiveExpedited
	}
	if ev&(Out|WrNorm|WrBand) != 0 {
		a |= afd.Send
	}
	return a
}
