// Package websocket serves WebSocket (RFC 6455) connections on the event
// loops of package evloop, upgraded from requests that an evhttp.Server
// serves, and dials them as a client; on every system evloop runs on,
// Windows included.
//
//	var up websocket.Upgrader
//	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
//		up.Upgrade(w, r, websocket.Handler{
//			OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) {
//				c.WriteMessage(typ, data) // echo
//			},
//		})
//	})
//
// # Model
//
// Upgrade checks the handshake, answers 101 and hands the connection to
// the package with evhttp.SwitchProtocols: the connection stays on its
// evloop loop, which parses its frames from the connection's evloop input
// buffer as they arrive, split anywhere, unmasks them and reassembles
// fragmented messages. Nothing runs for a connection between messages: an
// idle WebSocket connection holds no goroutine and no read buffer, only
// its evloop connection and a few words of parser state. The message
// under way is the one buffer a connection holds, and MaxMessageSize
// bounds it.
//
// Complete messages go to Handler.OnMessage off the loop, on a bounded
// pool of goroutines (Upgrader.MaxHandlers), one at a time per
// connection and in order; OnPong and OnClose go the same way, OnClose
// last. While a connection's OnMessage runs, the loop parses no more of
// its input: its frames wait in the evloop buffer, up to evloop's
// Config.MaxInbound, beyond which the connection is closed
// (evloop.ErrInboundFull). A slow handler thus holds back its own peer,
// and the memory stays bounded.
//
// The loop answers pings itself (the pong carries the ping's payload),
// answers a close frame with one of the same code and closes, and fails
// the connection with a close frame and the code RFC 6455 names: 1002
// for a protocol error (reserved bits or opcodes, an unmasked frame from
// a client or a masked one from a server, a fragmented control frame or
// one over 125 bytes, a continuation without a message, a bad close
// code), 1007 for text that is not UTF-8 (checked as fragments arrive,
// a rune split between fragments included) or a close reason that is
// not, 1009 for a message over MaxMessageSize (refused at the frame
// header that announces it, before its payload arrives).
//
// WriteMessage may be called from any goroutine but a loop's, the
// callbacks included. It writes through evloop's AsyncWriteDone, one
// whole frame at a time, so that the loop's pongs and close frames fall
// between frames; it waits while WriteWindow bytes are still to be taken
// by the socket, and sends a larger message as fragments of that size,
// so a peer that never reads holds back its writer, not the server's
// memory. The pongs the loop writes stop when the output reaches
// evloop's MaxOutbound: the loop then parses no further input until it
// has drained.
//
// Close sends a close frame and waits for the peer's (CloseTimeout); the
// server then closes the TCP connection first, as RFC 6455 section
// 7.1.1 asks. OnClose says how the connection ended, as a *CloseError.
// An upgraded connection is no longer the evhttp.Server's (its Shutdown
// leaves it, as net/http's leaves a hijacked one): Upgrader.Shutdown
// closes the Upgrader's connections with 1001 (going away) and waits for
// them; call it before the evhttp.Server's Shutdown.
//
// wss:// is served by the same code behind evloop's ListenTLS: the
// evhttp.Server's EvloopHandler on a TLS listener.
//
// # Client
//
// Dialer.Dial connects with evloop's Dial (ws://) or DialTLS (wss://),
// sends the handshake from the loop, checks the answer and serves the
// connection the same way, masking its frames with a random key each.
//
// # Not there
//
// Extensions, permessage-deflate among them (RFC 7692), are not
// negotiated: a client's offer is left unanswered, which the RFC allows.
// Compression would keep a deflate state per connection (or lose most of
// its worth with context takeover off) and compress on the writer's
// goroutine, against the aim of a connection that holds nothing while
// idle; it is left until it is needed. There is no blocking
// ReadMessage: a goroutine waiting in one per connection is what the
// package is built to avoid.
package websocket
