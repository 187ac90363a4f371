// Package evloop serves TCP and UDP with event loops on the readiness
// poller of package poll: epoll on Linux, the \Device\Afd driver on
// Windows, kqueue on macOS and the BSDs. It is a reactor in the style of
// gnet, and the same code runs on every one of those systems: on Windows
// too it polls sockets for readiness instead of falling back to
// goroutines over Go's net.
//
// # Model
//
// A Server runs Config.Loops event loops (default GOMAXPROCS), each a
// goroutine waiting on a poller of its own. Listen adds a listener on an
// address ("tcp://127.0.0.1:8080", "udp://[::1]:5353", see
// Server.Listen); Dial adds an outbound connection. Connections are
// spread over the loops, the least busy first, and stay on theirs.
//
// A Handler is a set of callbacks: OnOpen, OnTraffic and OnClose for
// connections, OnPacket for datagrams. They run on the connection's
// loop, one at a time per loop, so a handler needs no locking for the
// state of its connections, and must not block: a callback that waits
// holds up every connection of its loop. Work that blocks belongs in
// another goroutine, which answers with Conn.AsyncWrite.
//
// # Connections
//
// Inbound data waits in the connection's buffer until the handler
// consumes it: OnTraffic looks at it with Peek and takes it with Next or
// Discard; what it leaves (half a request) stays for the next OnTraffic.
// A loop reads into one buffer shared by its connections, so a handler
// that consumes all it gets costs no copy and no memory per connection.
//
// Write sends at once what the socket takes and buffers the rest, which
// the loop sends when the socket is writable: it registers interest in
// writability only while output is pending, so an idle connection costs
// no wake-ups. AsyncWrite and Close are safe from any goroutine; they
// queue the work for the loop and wake it.
//
// In steady state, serving a message allocates nothing: an echo round
// trip measures 0 allocations on Linux and on Windows (under Wine).
// Buffers are reused; those above 4 KiB return to their loop when they
// empty.
//
// # Closing
//
// Conn.Close and Server.Shutdown close gracefully: the pending output
// (AsyncWrite data accepted before included) is flushed, the sending side
// is shut down, and the connection lingers until the peer closes too,
// reading and discarding what it still sends. Closing a socket with
// unread input makes the kernel reset the connection, and a reset can
// destroy the output still in flight to the peer: the linger is what
// makes "accepted for writing" mean "delivered" (TestShutdownWhileBusy
// fails without it). Config.LingerTimeout bounds both steps. Server.Close
// and a Shutdown whose context ends cut connections at once.
//
// # Bad peers
//
// Config caps what a peer can make the server hold. Pending output above
// MaxOutbound stops reading from the connection until half of it has
// drained (so a peer that sends requests but never reads the answers
// holds at most about MaxOutbound), and AsyncWrite refuses data
// meanwhile (ErrOutboundFull). Unconsumed input above MaxInbound closes
// the connection (ErrInboundFull). IdleTimeout closes a connection that
// moves no byte either way (ErrIdleTimeout). MaxConns refuses connections
// beyond a number: they are accepted and closed at once. A failure of one
// connection (a reset, a failed write) closes that connection only.
//
// # Polling
//
// Registrations are level-triggered. Edge-triggered polling (with
// poll.Poller.Rearm on Windows) would need a read until the socket says
// "would block" after every event: one more system call per message,
// which under Wine is one more round trip to the wine server. A
// level-triggered loop reads once per event; the next Wait reports what
// is left. Interest changes (writability while output is pending, no
// reading while paused) go through Modify, once per event at most.
//
// On Windows a socket is deleted from its poller before it is closed:
// otherwise the poller may still poll its handle value once, which the
// system may already have given to a new socket or to one of the
// poller's own AFD devices (polling one of those makes Wine 8.0's
// wineserver abort).
package evloop
