// Package iocp is a thin binding of the Windows I/O completion port: create
// a port, associate handles with it under a key, dequeue completion packets
// in batches with GetQueuedCompletionStatusEx, and post packets of one's own
// to wake a waiter.
//
// It exists so that readiness polling through \Device\Afd (package afd) has
// a port of its own: Go's runtime owns the port behind package net, and
// ignores packets it did not cause there.
//
// The package is Windows only; on other systems it is empty.
package iocp
