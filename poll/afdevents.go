package poll

import "github.com/goafd/afd"

// The translation between epoll bits and AFD_POLL_* bits that the Windows
// backend uses. It is portable so that its tests run everywhere.

// afdAlways is what every AFD poll asks for, whatever the interest: the
// conditions epoll reports unasked (Err, Hup), and LocalClose, which tells
// that the socket was closed and must be dropped.
const afdAlways = afd.Abort | afd.ConnectFail | afd.LocalClose

// afdInterest returns the AFD events that cover the epoll interest ev.
func afdInterest(ev Events) afd.Events {
	a := afdAlways
	if ev&(In|RdNorm) != 0 {
		a |= afd.Receive | afd.Accept | afd.Disconnect
	}
	if ev&(Pri|RdBand) != 0 {
		a |= afd.ReceiveExpedited
	}
	if ev&(Out|WrNorm|WrBand) != 0 {
		a |= afd.Send
	}
	if ev&RdHup != 0 {
		a |= afd.Disconnect
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
