package websocket

import "testing"

// BenchmarkEcho: round trips of a 64-byte binary message between the
// package's client and its server, on one connection.
func BenchmarkEcho(b *testing.B) {
	addr, es := echoServer(b, &Upgrader{}, nil)
	cl := dialClient(b, es, "ws://"+addr+"/ws", nil)
	msg := make([]byte, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		cl.WriteMessage(BinaryMessage, msg)
		<-cl.msgs
	}
}
