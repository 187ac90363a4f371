package serverproc

import (
	"bytes"
	"sync"
)

// maxLine bounds a line kept whole: a longer one is cut there, so that a
// server writing without newlines cannot grow the queue without end.
const maxLine = 64 << 10

// lineQueue is a server's stdout, split into lines that readLine and Quit
// take. Its Write never blocks: exec.Cmd copies stdout into it, and
// cmd.Wait waits for that copy to end, so that the last lines a server
// writes before it exits (its "stopped") are there once Wait has
// returned. (With StdoutPipe, Wait closes the pipe as soon as the
// process has exited, and a line the reader had not read yet is lost.)
type lineQueue struct {
	mu      sync.Mutex
	partial []byte   // the start of a line without its newline yet
	lines   []string // complete lines not yet taken
	closed  bool     // no more lines will come
	more    chan struct{}
}

func newLineQueue() *lineQueue {
	return &lineQueue{more: make(chan struct{}, 1)}
}

func (q *lineQueue) Write(p []byte) (int, error) {
	q.mu.Lock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			q.partial = append(q.partial, p...)
			if len(q.partial) >= maxLine {
				q.lines = append(q.lines, string(q.partial))
				q.partial = q.partial[:0]
			}
			break
		}
		q.lines = append(q.lines, string(append(q.partial, p[:i]...)))
		q.partial = q.partial[:0]
		p = p[i+1:]
	}
	q.mu.Unlock()
	q.signal()
	return n, nil
}

// close ends the queue: a line without its newline counts as a line.
func (q *lineQueue) close() {
	q.mu.Lock()
	if len(q.partial) > 0 {
		q.lines = append(q.lines, string(q.partial))
		q.partial = nil
	}
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// signal wakes a taker waiting on more.
func (q *lineQueue) signal() {
	select {
	case q.more <- struct{}{}:
	default:
	}
}

// take returns the next line; ok is false when there is none now, and
// closed then says that none will come.
func (q *lineQueue) take() (line string, ok, closed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.lines) == 0 {
		return "", false, q.closed
	}
	line = q.lines[0]
	q.lines[0] = ""
	q.lines = q.lines[1:]
	return line, true, false
}
