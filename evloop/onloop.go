package evloop

import "runtime"

// Calls that need a loop (Listen, AddListener, AddPacketConn,
// Listener.Close, Shutdown, Close) hand it a task and wait for its
// answer. Called from a callback, they would wait for the very loop that
// runs the callback, which answers only once the callback has returned:
// they hung forever. They find out whether they run on a loop with
// callerLoop, and then do their work themselves or do not wait.

// goid returns the id of the calling goroutine, read from the header of
// its stack trace ("goroutine 42 [running]:"). It costs a microsecond or
// two: it serves the calls above, not the paths of every message.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// callerLoop returns the loop of s that runs the caller (from one of its
// callbacks), or nil when the caller is another goroutine.
func (s *Server) callerLoop() *loop {
	id := goid()
	for _, l := range s.loops {
		if l.gid.Load() == id {
			return l
		}
	}
	return nil
}
