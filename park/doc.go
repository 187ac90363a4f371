// Package park tells when a connection of Go's net becomes readable,
// without a goroutine or a buffer waiting on it: a server with a goroutine
// per connection can park its idle connections, dropping the goroutine
// and its read buffer, and take them up again when data comes. This is
// what mailru/easygo's netpoll does on Linux, and what golang/go#15735
// asks of net itself; here it works on Windows too, through the AFD
// driver (see package poll).
//
//	w, _ := park.New()
//	w.Notify(conn, func(err error) {    // once, when conn can be read
//		go serve(conn)               // err == nil: Read will not block
//	})
//
// # Model
//
// A Watcher owns one poll.Poller and one goroutine that waits on it.
// Notify registers the connection's socket, one-shot, for readability
// (data, a datagram, the peer's end of stream, a reset or another
// socket error: whatever makes Read return at once) and records a
// callback; the Watcher's goroutine calls it once, then forgets the
// connection. Readiness already there when Notify is called counts. A
// parked connection costs an entry in the Watcher's tables and a
// registration in the Poller, no goroutine. WaitReadable is the same for
// a goroutine that wants to block: it parks the connection and waits,
// without a buffer, until it is readable or the context ends. Stop
// unparks a connection; Close unparks them all.
//
// Connections are *net.TCPConn, *net.UDPConn, *net.UnixConn, or any
// net.Conn that implements syscall.Conn over a socket. The socket stays
// net's: the Watcher reads its handle with SyscallConn().Control, never
// reads from it, never changes its mode, never closes it. Registering
// and unregistering happen inside Control, which holds a reference to
// the socket: net cannot close it meanwhile, so the handle value is the
// connection's own, never that of a socket which has taken the value of
// a closed one.
//
// # What is safe
//
// Every method may be called from any goroutine, and from callbacks:
// a callback may park its connection again with Notify, Stop others,
// or Close the Watcher. Callbacks run one at a time on the Watcher's
// goroutine and must not block: start a goroutine, or send on a buffered
// channel. Each successful Notify ends in exactly one of: its callback
// called once, or Stop reporting true.
//
// Do not park a connection while a Read of it is in progress, nor read
// it while it is parked: park it when the reader is done with it, and
// read once the callback has run. A Read in progress takes the data
// that arrives (on Windows it is an overlapped receive, which the data
// fills without the socket ever being readable), and the callback is
// then not called for it: a parked connection with a blocked reader
// stays parked. Writing to a parked connection is fine.
//
// # Closing a parked connection
//
// Stop it first, then close it, when you can: Stop is exact. A parked
// connection that is closed anyway, by the program or by net (Close
// from another goroutine, a server shutting down), is taken out of the
// Poller by the close itself, silently, on every system; its callback
// is called with an error matching net.ErrClosed. The Watcher learns of
// the close at the first of: a look at every parked connection, once
// per CheckInterval (one second by default); Notify of a connection
// that got the same handle value (at once); Stop of the closed
// connection, which finds it if it is comparable, as net's are (the
// callback is then not called); Close of the Watcher (ErrClosed).
//
// On Linux a connection whose socket has another descriptor (from its
// File method, or inherited by a child process) stays in the Watcher's
// epoll set after the connection is closed, until every descriptor is
// closed: Stop such connections before closing them.
//
// # Windows
//
// Go's net opens its sockets overlapped and associates them with the
// runtime's completion port. The Watcher's Poller asks the AFD driver
// about them through AFD device handles and a completion port of its
// own, as wepoll does for any socket: nothing of net's I/O changes, and
// completions on the runtime's port stay the runtime's. Readiness
// survives the socket being in blocking mode, as net's Windows sockets
// are.
//
// Under Wine 8.0, closing a connection while it is parked can abort the
// wine server (the assertion in set_fd_events), which hangs every process
// of its prefix: the tests of that case are skipped there. The closed
// handle value goes at once to the next object the process makes, often
// the \Device\Afd of the next socket, which Wine initializes in a second
// request; a poll that the Watcher submits in between, before it has
// taken in the close, names that half-made socket, and Wine's server
// aborts on it (poll/README.md has the source reading;
// poll.TestWineAbortCloseNetConnRegistered reproduces it). Windows has no
// counterpart. Stop before closing avoids it: no poll names the handle
// once Stop has returned. Go's net cannot make UDP sockets under Wine
// 8.0 at all (SIO_UDP_NETRESET is not implemented).
//
// # Errors
//
// Errors match with errors.Is: ErrClosed for calls after Close and for
// callbacks of connections unparked by it (it does not match
// net.ErrClosed); net.ErrClosed for a connection that was closed;
// ErrParked for Notify or WaitReadable of a connection parked already;
// ErrNotSyscallConn for a connection whose socket cannot be reached;
// fs.ErrInvalid for a nil connection or callback. A Poller that fails
// calls every parked connection back with its error, which later calls
// return too.
package park
