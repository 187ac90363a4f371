// Package evloop serves TCP, UDP and (off Windows) Unix-domain stream
// sockets with event loops on the readiness poller of package poll:
// epoll on Linux, the \Device\Afd driver on Windows, kqueue on macOS and
// the BSDs. It is a reactor in the style of gnet, and the same code runs
// on every one of those systems: on Windows too it polls sockets for
// readiness instead of falling back to goroutines over Go's net.
//
// A complete echo server (the package's Example runs it with a client):
//
//	srv, err := evloop.NewServer(evloop.Config{IdleTimeout: time.Minute})
//	if err != nil {
//		log.Fatal(err)
//	}
//	ln, err := srv.Listen("tcp://127.0.0.1:7007", evloop.Handler{
//		OnTraffic: func(c *evloop.Conn) {
//			data, _ := c.Next(-1) // all that has arrived
//			c.Write(data)         // to the socket at once; the rest is buffered
//		},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	log.Println("serving", ln)
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
//	defer stop()
//	<-ctx.Done()
//	srv.Shutdown(context.Background()) // flush, close, return
//
// # Model
//
// A Server runs Config.Loops event loops (default GOMAXPROCS), each a
// goroutine waiting on a poller of its own. Listen adds a listener on an
// address ("tcp://127.0.0.1:8080", "udp://[::1]:5353", see
// Server.Listen); Dial adds an outbound connection. Connections are
// spread over the loops, the least busy first, and stay on theirs. A
// listener is served by one loop, which accepts for all: each time the
// listener is ready it takes up to as many connections as that loop
// serves (64 at least), so that a burst of new connections is accepted
// in a few rounds of the loop, however many it serves already.
//
// A Handler is a set of callbacks: OnOpen, OnTraffic, OnEOF and OnClose
// for connections, OnPacket for datagrams. They run on the connection's
// loop, one at a time per loop, so a handler needs no locking for the
// state of its connections, and must not block: a callback that waits
// holds up every connection of its loop. Work that blocks belongs in
// another goroutine, which answers with Conn.AsyncWrite.
//
// # Calls from callbacks
//
// Every method of Server, Listener and Conn may be called from a
// callback. Those that need a loop's answer do not wait for the loop that
// runs the callback (which answers only once the callback returns):
// Listen, AddListener and AddPacketConn serve the new listener on that
// loop; Listener.Close closes a listener of that loop at once, and
// returns at once for one of another loop, which closes it next (a loop
// never waits for another); Shutdown and Close start their work and
// return at once, the rest going on once the callback has returned. Dial,
// AddConn, AsyncWrite and Close of a Conn never wait; PauseRead and
// ResumeRead never wait and, from a callback of the connection's loop,
// take effect at once. The Conn methods that belong to a loop (see Conn)
// may be called for any connection of the loop that runs the callback.
//
// # Connections
//
// Inbound data waits in the connection's buffer until the handler
// consumes it: OnTraffic looks at it with Peek and takes it with Next or
// Discard; what it leaves (half a request) stays for the next OnTraffic.
// A loop reads into one buffer shared by its connections, so a handler
// that consumes all it gets costs no copy and no memory per connection.
//
// Conn.PauseRead stops reading a connection, from a callback or any
// goroutine, until Conn.ResumeRead: a handler that hands its input to a
// slower consumer (an upload to a disk, a proxy to a slow peer) pauses
// when the consumer is behind. A paused connection holds no more inbound
// memory than it held when it paused, whatever its peer sends: the input
// the handler left (over TLS, plus the records of one read not yet
// decrypted), the rest waiting in the socket buffers, where TCP's flow
// control stops the peer. ResumeRead delivers the input left first, then
// what arrives. A reset still closes a paused connection; its peer's end
// of stream is seen after ResumeRead (see PauseRead).
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
// # Go's net
//
// A listener, connection or UDP socket that a program already has from
// Go's net joins a server with Server.AddListener, AddConn and
// AddPacketConn: the loops then serve its socket like one of their own,
// and the server owns it (closing it through the net value). Conn.Detach
// goes the other way: it takes a connection off its loop and returns a
// blocking net.Conn, which reads first the bytes the handler had not
// consumed. On Windows, where Go's net cannot adopt a socket, only a
// connection that came from AddConn can be detached (it is given back);
// elsewhere any can.
//
// Off Windows, Listen and Dial also take Unix-domain stream sockets,
// "unix:///run/app.sock".
//
// # TLS
//
// ListenTLS and DialTLS (and AddListenerTLS, for a listener of Go's net)
// serve TLS connections with Go's crypto/tls and a tls.Config as it is
// (certificates, GetCertificate and SNI, ALPN, client certificates,
// session resumption, TLS 1.2 and 1.3). The handler
// sees plaintext through the usual methods: OnOpen comes once the
// handshake has completed (Conn.ConnectionState then tells what was
// negotiated), OnTraffic and Peek, Next and Discard see plaintext, Write
// and AsyncWrite take it, and every graceful close (Conn.Close,
// Shutdown, the peer's close_notify or end of stream) sends close_notify
// after the pending output, which Shutdown flushes as for plaintext.
// MaxInbound counts the plaintext left unconsumed, MaxOutbound the
// ciphertext not yet sent. Detach refuses a TLS connection
// (ErrTLSDetach).
//
// The handshake runs off the loop, on a goroutine of a pool that the
// server's TLS connections share (Config.TLSHandshakeWorkers, with a
// queue of Config.TLSHandshakeQueue behind them); the records after it
// run on the loop, in the callbacks' goroutine, with no goroutine of
// their own. The reason is in crypto/tls: a read of its connection that
// fails with a temporary error keeps the partial record and can be tried
// again, so the loop feeds a connection the ciphertext it reads and gets
// plaintext back without blocking; but any error during the handshake,
// a temporary one included, ends the handshake for good, so a handshake
// must be able to wait for the peer, and needs a goroutine of its own
// while it runs. A server's handshake takes a worker only once the
// client's first record is complete: a client that connects and sends
// nothing, or part of a ClientHello, costs a timer and the bytes it sent.
// One that stalls later holds a worker, at most until
// Config.TLSHandshakeTimeout (10 s by default), which closes every
// handshake not complete by then; one that sends something other than
// TLS is refused at its first record header. A handshake that fails
// closes the connection with an error of type *TLSError, through which
// errors.Is and errors.As find the cause (tls.AlertError,
// *tls.RecordHeaderError, *tls.CertificateVerificationError and the x509
// errors, ErrHandshakeTimeout, ErrHandshakePoolFull): in OnClose for a
// dialled connection, in Handler.OnHandshakeError for an accepted one,
// which the handler has not seen.
//
// Memory: an idle TLS connection holds no goroutine and no read buffer
// of its own, as a plaintext one; the loop decrypts into a second buffer
// of ReadBufferSize, which it makes with its first TLS connection and
// shares among them. What an idle connection keeps is crypto/tls's
// state of it, whose record input buffer grows to the largest record
// received and does not shrink (evloop/README.md has the figures).
//
// From callbacks, TLS connections are like the others: every call above
// is safe, ConnectionState belongs to the loop like Peek. The
// tls.Config's own callbacks (GetCertificate, GetConfigForClient,
// VerifyPeerCertificate, ...) run on the handshake workers, never on a
// loop: they may block, and they must be safe for concurrent use.
//
// # Coming from gnet or nbio
//
// What their users look for first, and where it is here:
//
//   - Timers and deadlines: Conn.AfterFunc runs a function on the
//     connection's loop after a delay (the loop keeps its timers in a
//     heap and sleeps until the first); a per-connection deadline is an
//     AfterFunc that closes the connection, stopped with Timer.Stop when
//     the work is done, and Config.IdleTimeout closes silent ones. There
//     is no loop-wide tick (gnet's OnTick): a loop has no state of its
//     own to tick over, and periodic work over connections is a
//     time.Ticker in a goroutine that calls Conn.Run.
//   - Running a function on a connection's loop from any goroutine
//     (gnet's Conn.Wake): Conn.Run.
//   - A completion callback for an asynchronous write: Conn.AsyncWriteDone.
//     A vectored write: Conn.Writev (one system call for several buffers).
//   - TCP options: Config.Nagle (TCP_NODELAY is set by default),
//     KeepAlive, SendBuffer and RecvBuffer, ReusePort. Config says why
//     there is no SO_LINGER.
//   - net.Addr values: Conn.LocalNetAddr and RemoteNetAddr,
//     Listener.NetAddr, Packet.LocalNetAddr and RemoteNetAddr, beside the
//     netip.AddrPort of LocalAddr, RemoteAddr and Addr.
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
// The peer's end of stream (it shut down its sending side) closes the
// connection gracefully, unless the handler has OnEOF: the connection
// then stays open for output, with no more reading, until the handler
// closes it, so that a client that half-closes after its request still
// gets the answer (TestOnEOFAnswersHalfClosedPeer).
//
// # Bad peers
//
// Config caps what a peer can make the server hold. Pending output at
// MaxOutbound stops reading from the connection until half of it has
// drained, and AsyncWrite refuses data meanwhile (ErrOutboundFull), as
// does Write to it from another connection's callback. A peer that sends
// requests but never reads the answers thus holds at most MaxOutbound
// plus the answers to one read (Config.ReadBufferSize of requests),
// which for small requests with large answers can be any amount: a
// handler that checks Conn.OutboundFull after each answer, and leaves
// the rest of its input once it is true, bounds it to MaxOutbound plus
// one answer, and one read of input (OnTraffic comes again with that
// input when the output has drained). examples/redis and examples/http
// do so. Unconsumed input above MaxInbound closes
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
//
// # Tests and numbers
//
//	go test -race -count=1 ./evloop/                     # Linux
//	go test -run '^$' -bench . -benchmem ./evloop/       # benchmarks
//	PATH=$HOME/.cache/goafd/bin:$PATH GOOS=windows GOARCH=amd64 \
//	    go test -count=1 -gcflags=all=-d=checkptr ./evloop/  # under Wine
//
// One run on a 2-core Linux machine shared with other work, Go's net as
// the client in the same process, 64-byte messages for round trips and
// 16 KiB writes for throughput; natively with the benchmark command
// above, under Wine with -benchtime 5000x:
//
//	                         Linux          Windows binary under Wine 8.0
//	round trip, 1 conn       32 µs          584 µs
//	round trip, 100 conns    9.2 µs/op      218 µs/op
//	round trip, 1000 conns   7.5 µs/op      500 µs/op
//	throughput, 1 conn       1.80 GB/s      99 MB/s
//	throughput, 100 conns    2.50 GB/s      170 MB/s
//	throughput, 1000 conns   794 MB/s       61 MB/s
//	allocations per op       0              0
//
// At 1000 streaming connections on Linux, more connections have output
// backed up at once than a loop keeps spare buffers for: about one op in
// 37 allocates one (7 KB/op on average, 0 allocations per op rounded
// down); round trips allocate nothing at any count.
//
// Driven from outside by a native Linux client (examples/echo, 64-byte
// round trips for 5 s), the Windows binary under Wine served 2.8k round
// trips/s on 1 connection, 4.9k on 100 and 4.0k on 1000, every one of
// the 1000 served; natively on Linux, 29k, 90k and 86k.
package evloop
