// Command afdexplore shows how the Windows socket driver, \Device\Afd,
// answers readiness polls, step by step, and checks what it does against
// what Windows is known to do.
//
// Usage:
//
//	afdexplore [-all | -run regexp | -list] [-json] [-strict] [-timeout d]
//
// With no flags it does what Len Holgate's "Adventures with \Device\Afd"
// does, narrating each step on one line with the values involved: it opens
// \Device\Afd\explore with NtCreateFile, creates an I/O completion port,
// associates the AFD handle with it, sets FILE_SKIP_SET_EVENT_ON_HANDLE,
// creates a socket and finds its base socket, starts a non-blocking
// connect to a local port that nobody listens on, issues IOCTL_AFD_POLL,
// dequeues the completion with GetQueuedCompletionStatusEx, recovers the
// request from the IO_STATUS_BLOCK pointer, and decodes it:
// AFD_POLL_CONNECT_FAIL, status 0xC0000236 STATUS_CONNECTION_REFUSED.
//
// The flags:
//
//	-all        run every scenario of the driver and print a table: the
//	            events each poll requested and reported, its NTSTATUS (with
//	            the socket's status in brackets when it is not
//	            STATUS_SUCCESS), the expected Windows behaviour, whether
//	            the driver matched it, and notes, among them Wine's known
//	            differences
//	-run re     run only the scenarios whose names match the regular
//	            expression re (implies -all)
//	-json       print the results as JSON instead of a table (implies -all)
//	-list       list the scenarios and what Windows does in each, and exit
//	-strict     count known Wine differences as failures
//	-timeout d  bound each wait of a scenario by d (default 5s; more than
//	            the ~2 s a refused loopback connect takes on Windows)
//
// The MATCH column says "yes" when the driver did what Windows does, "NO"
// when it did not, "wine" when, running under Wine, it did what Wine is
// documented to do instead (AFD.md, "Wine differences"), and "error" when
// the scenario could not run.
//
// The exit status is 0 when every scenario matched (or showed a known
// Wine difference, unless -strict), 1 when one did not or the walk-through
// did not end as the article's, and 2 for a usage error or when not
// running on Windows: the explorer needs Windows, or Wine, which runs
// windows/amd64 binaries on Linux (see scripts/ and "make demo").
package main
