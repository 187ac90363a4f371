package scenario

import (
	"fmt"
	"time"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/sock"
)

// write writes all of p to h, which must have room for it.
func write(h sock.Handle, p []byte) error {
	n, err := sock.Write(h, p)
	if err == nil && n != len(p) {
		err = fmt.Errorf("wrote %d of %d bytes", n, len(p))
	}
	return err
}

// receive: a connected socket with unread data reports RECEIVE. The event
// is level-triggered: a second poll before the data is read reports it
// again at once, and once the data has been read a poll no longer does.
func receive(e *env) error {
	c, s, b, err := e.pair()
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "data", request(b, afd.Receive))
	if err != nil {
		return err
	}
	if err := write(s, []byte("hello")); err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.Receive, afd.StatusSuccess)
	}
	again, err := e.poll(e.dev, "unread", request(b, afd.Receive))
	if err != nil {
		return err
	}
	if e.await(e.cfg.Quiet, again) {
		e.expectReady(again, afd.Receive, afd.StatusSuccess)
	}
	if _, err := sock.Read(c, make([]byte, 64)); err != nil {
		return err
	}
	req := request(b, afd.Receive)
	req.SetTimeout(e.cfg.Quiet)
	read, err := e.poll(e.dev, "read", req)
	if err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, read) {
		e.expectTimeout(read)
	}
	return nil
}

// expedited: out-of-band data (sent with MSG_OOB) makes the receiving
// socket report RECEIVE_EXPEDITED.
func expedited(e *env) error {
	_, s, b, err := e.pair()
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "urgent", request(b, afd.ReceiveExpedited))
	if err != nil {
		return err
	}
	if err := sock.SendOOB(s, []byte("!")); err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.ReceiveExpedited, afd.StatusSuccess)
	}
	return nil
}

// fill writes to h until its send buffer is full: until a write would
// block even after loopback has had time to move what it can to the peer.
// It returns how many bytes it wrote.
func fill(h sock.Handle, deadline time.Time) (int, error) {
	const limit = 256 << 20 // a peer that never stops taking data
	buf := make([]byte, 16<<10)
	total := 0
	for {
		n, err := sock.Write(h, buf)
		total += n
		switch {
		case err == nil:
		case !sock.WouldBlock(err):
			return total, err
		default:
			// Full for now. Let the stack settle, then see if it
			// still is.
			time.Sleep(50 * time.Millisecond)
			n, err = sock.Write(h, buf[:1])
			total += n
			if sock.WouldBlock(err) {
				return total, nil
			}
			if err != nil {
				return total, err
			}
		}
		if total > limit || time.Now().After(deadline) {
			return total, fmt.Errorf("send buffer not full after %d bytes", total)
		}
	}
}

// readAll reads n bytes from h, waiting for them at most until deadline.
func readAll(h sock.Handle, n int, deadline time.Time) error {
	buf := make([]byte, 64<<10)
	for got := 0; got < n; {
		k, err := sock.Read(h, buf)
		switch {
		case err == nil && k == 0:
			return fmt.Errorf("end of stream after %d of %d bytes", got, n)
		case sock.WouldBlock(err):
			left := time.Until(deadline)
			if left <= 0 {
				return fmt.Errorf("read %d of %d bytes", got, n)
			}
			sock.WaitReadable(h, min(left, 100*time.Millisecond))
		case err != nil:
			return err
		}
		got += k
	}
	return nil
}

// sendFull: a connected socket whose send buffer is full does not report
// SEND; once the peer has read everything and the buffer has drained, it
// reports SEND again.
func sendFull(e *env) error {
	c, s, b, err := e.pair()
	if err != nil {
		return err
	}
	// Small buffers on both sides fill with little data.
	if err := sock.SetBuffers(c, 8<<10, 0); err != nil {
		return err
	}
	if err := sock.SetBuffers(s, 0, 8<<10); err != nil {
		return err
	}
	n, err := fill(c, time.Now().Add(e.cfg.Timeout))
	if err != nil {
		return err
	}
	e.notef("filled with %d bytes", n)
	req := request(b, afd.Send)
	req.SetTimeout(e.cfg.Quiet)
	full, err := e.poll(e.dev, "full", req)
	if err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, full) {
		e.expectTimeout(full)
	}
	if err := readAll(s, n, time.Now().Add(e.cfg.Timeout)); err != nil {
		return err
	}
	drained, err := e.poll(e.dev, "drained", request(b, afd.Send))
	if err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, drained) {
		e.expectReady(drained, afd.Send, afd.StatusSuccess)
	}
	return nil
}

// udpReceive: a UDP socket with a datagram queued reports RECEIVE, as a
// TCP socket with data does.
func udpReceive(e *env) error {
	a, addr, err := sock.Bind(sock.UDP4)
	if err != nil {
		return err
	}
	e.track(a)
	from, _, err := sock.Bind(sock.UDP4)
	if err != nil {
		return err
	}
	e.track(from)
	b, err := e.base(a)
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "datagram", request(b, afd.Receive))
	if err != nil {
		return err
	}
	if err := sock.SendTo(from, []byte("ping"), addr); err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.Receive, afd.StatusSuccess)
	}
	return nil
}

// udpSend: an idle UDP socket reports SEND at once, as a TCP socket with
// room in its send buffer does.
func udpSend(e *env) error {
	a, _, err := sock.Bind(sock.UDP4)
	if err != nil {
		return err
	}
	e.track(a)
	b, err := e.base(a)
	if err != nil {
		return err
	}
	o, err := e.poll(e.dev, "idle", request(b, afd.Send))
	if err != nil {
		return err
	}
	if e.await(e.cfg.Quiet, o) {
		e.expectReady(o, afd.Send, afd.StatusSuccess)
	}
	return nil
}
