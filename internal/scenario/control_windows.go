package scenario

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/sock"
)

// cancel: cancelling a pending poll completes it with STATUS_CANCELLED
// (ERROR_OPERATION_ABORTED to Win32) and leaves its entries as they were
// submitted.
func cancel(e *env) error {
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	req := request(b, afd.Receive)
	o, err := e.poll(e.dev, "pending", req)
	if err != nil {
		return err
	}
	before := slices.Clone(req.Handles())
	if err := e.cancel(o); err != nil {
		return err
	}
	if !o.Completed {
		return nil
	}
	check(e, "poll status", o.Status, afd.StatusCancelled)
	check(e, "NumberOfHandles", o.Count, len(before))
	check(e, "entry", fmt.Sprintf("%+v", req.Handles()[0]), fmt.Sprintf("%+v", before[0]))
	if !errors.Is(o.Status, windows.ERROR_OPERATION_ABORTED) {
		e.mismatch("errors.Is(%v, ERROR_OPERATION_ABORTED) is false", o.Status)
	}
	return nil
}

// cancelStatus returns the status a cancel failed with, or StatusSuccess.
func cancelStatus(err error) afd.Status {
	var st afd.Status
	if err != nil && !errors.As(err, &st) {
		return 0xFFFFFFFF
	}
	return st
}

// cancelCompleted: cancelling a poll that has already completed fails with
// STATUS_NOT_FOUND, whether or not its completion packet has been
// dequeued.
func cancelCompleted(e *env) error {
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	req := request(b, afd.Send)
	o, err := e.poll(e.dev, "ready", req)
	if err != nil {
		return err
	}
	// Wait for the completion without dequeuing its packet.
	for deadline := time.Now().Add(e.cfg.Timeout); req.Status() == afd.StatusPending; {
		if time.Now().After(deadline) {
			e.mismatch("the poll did not complete within %v", e.cfg.Timeout)
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	before := cancelStatus(e.dev.Cancel(req))
	e.notef("cancel before dequeue: %v", statusName(before))
	if e.await(e.cfg.Timeout, o) {
		e.expectReady(o, afd.Send, afd.StatusSuccess)
	}
	after := cancelStatus(e.dev.Cancel(req))
	e.notef("cancel after dequeue: %v", statusName(after))
	check(e, "cancel before dequeue", before, afd.StatusNotFound)
	check(e, "cancel after dequeue", after, afd.StatusNotFound)
	return nil
}

// timeout: a poll whose timeout passes with nothing ready completes with
// STATUS_TIMEOUT and no ready socket.
func timeout(e *env) error {
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	const d = 100 * time.Millisecond
	req := request(b, afd.Receive)
	req.SetTimeout(d)
	o, err := e.poll(e.dev, "idle", req)
	if err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, o) {
		e.expectTimeout(o)
		e.notef("timeout %v, completed after %v", d, o.Took.Round(time.Millisecond))
	}
	return nil
}

// zeroTimeout: a poll with a zero timeout answers at once: with nothing
// ready it completes with STATUS_SUCCESS and no ready socket, not with
// STATUS_TIMEOUT.
//
// Wine's conformance tests, which pass on Windows, show this
// (dlls/ws2_32/tests/afd.c, test_poll, "Basic semantics of the ioctl").
func zeroTimeout(e *env) error {
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	req := request(b, afd.Receive)
	req.SetTimeout(0)
	o, err := e.poll(e.dev, "zero timeout", req)
	if err != nil {
		return err
	}
	check(e, "answered inline", o.Inline, true)
	if e.await(e.cfg.Timeout, o) {
		check(e, "poll status", o.Status, afd.StatusSuccess)
		check(e, "ready sockets", o.Count, 0)
	}
	return nil
}

// exclusive: an exclusive poll displaces an exclusive poll already
// pending on the same socket: the older one completes at once with no
// ready socket, and the newer one stays pending.
func exclusive(e *env) error {
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	first := request(b, afd.Receive)
	first.SetExclusive(true)
	older, err := e.poll(e.dev, "older", first)
	if err != nil {
		return err
	}
	second := request(b, afd.Receive)
	second.SetExclusive(true)
	newer, err := e.poll(e.dev, "newer", second)
	if err != nil {
		return err
	}
	if e.await(e.cfg.Quiet, older) {
		check(e, "older: ready sockets", older.Count, 0)
		if older.Status.IsError() {
			e.mismatch("older: poll status %v", older.Status)
		}
	}
	if e.quiet(e.cfg.Quiet, newer) {
		return e.cancel(newer)
	}
	return nil
}

// exclusiveShared: an exclusive poll does not displace a non-exclusive
// poll pending on the same socket: both stay pending.
//
// Wine's conformance tests, which pass on Windows, show this
// (dlls/ws2_32/tests/afd.c, test_poll_exclusive: "If the main poll is
// non-exclusive neither itself nor the following exclusives are
// terminated").
func exclusiveShared(e *env) error {
	_, _, b, err := e.pair()
	if err != nil {
		return err
	}
	shared, err := e.poll(e.dev, "shared", request(b, afd.Receive))
	if err != nil {
		return err
	}
	req := request(b, afd.Receive)
	req.SetExclusive(true)
	excl, err := e.poll(e.dev, "exclusive", req)
	if err != nil {
		return err
	}
	if !e.quiet(e.cfg.Quiet, shared, excl) {
		return nil
	}
	if err := e.cancel(shared); err != nil {
		return err
	}
	return e.cancel(excl)
}

// twoPolls: two non-exclusive polls on one socket for different events
// are pending independently: data arriving completes the one that asked
// for RECEIVE and leaves the other pending.
func twoPolls(e *env) error {
	_, s, b, err := e.pair()
	if err != nil {
		return err
	}
	// RECEIVE first: trio's afd-lab saw an older SEND poll complete with
	// RECEIVE when a newer RECEIVE poll was pending on a full socket.
	recv, err := e.poll(e.dev, "RECEIVE", request(b, afd.Receive))
	if err != nil {
		return err
	}
	other, err := e.poll(e.dev, "DISCONNECT", request(b, afd.Disconnect))
	if err != nil {
		return err
	}
	if !e.quiet(e.cfg.Quiet, recv, other) {
		return nil
	}
	if err := write(s, []byte("data")); err != nil {
		return err
	}
	if e.await(e.cfg.Timeout, recv) {
		e.expectReady(recv, afd.Receive, afd.StatusSuccess)
	}
	if e.quiet(e.cfg.Quiet, other) {
		return e.cancel(other)
	}
	return nil
}

// multiHandle: one poll can watch several sockets. It completes with the
// ready ones packed first and NumberOfHandles set to their count.
func multiHandle(e *env) error {
	const n = 4
	ready := []int{1, 3}
	req := afd.NewRequest(n)
	var clients, servers [n]sock.Handle
	for i := range n {
		c, s, b, err := e.pair()
		if err != nil {
			return err
		}
		clients[i], servers[i] = c, s
		req.Set(i, b, afd.Receive)
	}
	for _, i := range ready {
		if err := write(servers[i], []byte("data")); err != nil {
			return err
		}
		if err := sock.WaitReadable(clients[i], e.cfg.Timeout); err != nil {
			return err
		}
	}
	o, err := e.poll(e.dev, fmt.Sprintf("%d sockets", n), req)
	if err != nil {
		return err
	}
	if !e.await(e.cfg.Timeout, o) {
		return nil
	}
	check(e, "poll status", o.Status, afd.StatusSuccess)
	check(e, "NumberOfHandles", o.Count, len(ready))
	var got []int
	for _, r := range o.Ready {
		got = append(got, r.Index)
		check(e, fmt.Sprintf("socket %d events", r.Index), r.Events, afd.Receive)
	}
	e.notef("ready entries, in the order the driver packed them: sockets %v", got)
	slices.Sort(got)
	check(e, "ready sockets", fmt.Sprint(got), fmt.Sprint(ready))
	return nil
}
