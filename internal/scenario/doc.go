// Package scenario drives the \Device\Afd driver through the situations a
// readiness poller meets, one at a time, and records what the driver did
// next to what Windows is known to do.
//
// Each scenario is defined once, as a small function whose doc comment
// states the Windows behaviour it checks. It sets up its own sockets, AFD
// handle and completion port, issues IOCTL_AFD_POLL through package afd,
// drives the situation (a refused connect, a peer's FIN or RST, a full
// send buffer, a cancel, ...), dequeues the completions, and returns a
// Result: the events requested and reported, the NTSTATUS of each poll and
// of each ready socket, whether a completion packet was queued, and any
// difference from the expectation.
//
// The expectation is always the Windows behaviour. Wine emulates the
// driver closely but not exactly; where it is known to differ, a scenario
// that observes the documented Wine behaviour while running under Wine
// reports VerdictWine with a note saying so, never a match.
//
// The tests of package afd and the command cmd/afdexplore run the
// scenarios. The package builds on every system so that its results can be
// formatted anywhere, but the scenarios themselves exist only on Windows.
package scenario
