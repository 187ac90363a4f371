package scenario

// all lists the scenarios. Truth repeats the doc comment of each function;
// a test keeps the two in step.
var all = []Scenario{
	{
		Name:     "connect-fail",
		Truth:    "A non-blocking connect to a local port that nobody listens on makes the poll report CONNECT_FAIL alone, with the socket status STATUS_CONNECTION_REFUSED. CONNECT_FAIL is sticky: a second poll reports it again at once.",
		Expected: "CONNECT_FAIL [STATUS_CONNECTION_REFUSED]; again at once",
		run:      connectFail,
	},
	{
		Name:     "connect-success",
		Truth:    "A non-blocking connect that succeeds makes the socket report SEND, which is how pollers learn of connect completion (they never ask for CONNECT).",
		Expected: "SEND",
		run:      connectSuccess,
	},
	{
		Name:     "connect-event",
		Truth:    "Asking for CONNECT on a connected socket reports CONNECT at once, and again on every later poll: the event never clears, which is why pollers never ask for it.",
		Expected: "CONNECT at once, every time",
		run:      connectEvent,
	},
	{
		Name:     "accept",
		Truth:    "A listening socket reports ACCEPT when a connection arrives for it to accept.",
		Expected: "ACCEPT",
		run:      accept,
	},
	{
		Name:     "receive",
		Truth:    "A connected socket with unread data reports RECEIVE. The event is level-triggered: a second poll before the data is read reports it again at once, and once the data has been read a poll no longer does.",
		Expected: "RECEIVE; again at once; read: STATUS_TIMEOUT",
		run:      receive,
	},
	{
		Name:     "expedited",
		Truth:    "Out-of-band data (sent with MSG_OOB) makes the receiving socket report RECEIVE_EXPEDITED.",
		Expected: "RECEIVE_EXPEDITED",
		run:      expedited,
	},
	{
		Name:     "send-full",
		Truth:    "A connected socket whose send buffer is full does not report SEND; once the peer has read everything and the buffer has drained, it reports SEND again.",
		Expected: "full: no SEND (STATUS_TIMEOUT); drained: SEND",
		run:      sendFull,
	},
	{
		Name:     "udp-receive",
		Truth:    "A UDP socket with a datagram queued reports RECEIVE, as a TCP socket with data does.",
		Expected: "RECEIVE",
		run:      udpReceive,
	},
	{
		Name:     "udp-send",
		Truth:    "An idle UDP socket reports SEND at once, as a TCP socket with room in its send buffer does.",
		Expected: "SEND",
		run:      udpSend,
	},
	{
		Name:     "peer-close",
		Truth:    "When the peer closes the connection gracefully (its FIN arrives), the socket reports DISCONNECT. DISCONNECT is sticky: a second poll reports it again at once.",
		Expected: "DISCONNECT; again at once",
		run:      peerClose,
	},
	{
		Name:     "peer-abort",
		Truth:    "When the peer resets the connection (its RST arrives), the socket reports ABORT, with the socket status STATUS_SUCCESS.",
		Expected: "ABORT",
		run:      peerAbort,
	},
	{
		Name:     "recv-after-abort",
		Truth:    "Once the peer has reset the connection and the socket has reported ABORT, recv fails with WSAECONNRESET.",
		Expected: "ABORT; then recv: WSAECONNRESET",
		run:      recvAfterAbort,
	},
	{
		Name:     "local-close",
		Truth:    "Closing a socket (closesocket) while a poll on it is pending completes the poll with LOCAL_CLOSE, even when the poll asked for no events at all.",
		Expected: "LOCAL_CLOSE, though none asked for",
		run:      localClose,
	},
	{
		Name:     "local-shutdown",
		Truth:    "Shutting down the sending side locally (shutdown with SD_SEND) reports nothing: a pending poll for every event but SEND stays pending.",
		Expected: "nothing: stays pending (then cancelled)",
		run:      localShutdown,
	},
	{
		Name:     "cancel",
		Truth:    "Cancelling a pending poll completes it with STATUS_CANCELLED (ERROR_OPERATION_ABORTED to Win32) and leaves its entries as they were submitted.",
		Expected: "STATUS_CANCELLED, entries untouched",
		run:      cancel,
	},
	{
		Name:     "cancel-completed",
		Truth:    "Cancelling a poll that has already completed fails with STATUS_NOT_FOUND, whether or not its completion packet has been dequeued.",
		Expected: "SEND; cancel: STATUS_NOT_FOUND",
		run:      cancelCompleted,
	},
	{
		Name:     "timeout",
		Truth:    "A poll whose timeout passes with nothing ready completes with STATUS_TIMEOUT and no ready socket.",
		Expected: "STATUS_TIMEOUT, 0 ready",
		run:      timeout,
	},
	{
		Name:     "zero-timeout",
		Truth:    "A poll with a zero timeout answers at once: with nothing ready it completes with STATUS_SUCCESS and no ready socket, not with STATUS_TIMEOUT.",
		Expected: "inline STATUS_SUCCESS, 0 ready",
		run:      zeroTimeout,
	},
	{
		Name:     "exclusive",
		Truth:    "An exclusive poll displaces an exclusive poll already pending on the same socket: the older one completes at once with no ready socket, and the newer one stays pending.",
		Expected: "older: completes, 0 ready; newer: pending",
		run:      exclusive,
	},
	{
		Name:     "exclusive-shared",
		Truth:    "An exclusive poll does not displace a non-exclusive poll pending on the same socket: both stay pending.",
		Expected: "both stay pending",
		run:      exclusiveShared,
	},
	{
		Name:     "two-polls",
		Truth:    "Two non-exclusive polls on one socket for different events are pending independently: data arriving completes the one that asked for RECEIVE and leaves the other pending.",
		Expected: "RECEIVE completes; the other stays pending",
		run:      twoPolls,
	},
	{
		Name:     "multi-handle",
		Truth:    "One poll can watch several sockets. It completes with the ready ones packed first and NumberOfHandles set to their count.",
		Expected: "2 of 4 ready, packed first, count 2",
		run:      multiHandle,
	},
	{
		Name:     "skip-on-success",
		Truth:    "With FILE_SKIP_COMPLETION_PORT_ON_SUCCESS set on the AFD handle, a poll that is ready at once returns STATUS_SUCCESS inline and queues no completion packet; a poll that has to wait still completes through the port.",
		Expected: "ready: inline, no packet; waiting: packet",
		run:      skipOnSuccess,
	},
	{
		Name:     "several-devices",
		Truth:    "Several AFD handles can share one completion port under different keys; each completion packet carries the key of the handle its poll was issued on.",
		Expected: "each packet has its handle's key",
		run:      severalDevices,
	},
	{
		Name:     "globalroot-open",
		Truth:    "The driver also opens through the Win32 namespace, with CreateFileW(`\\\\.\\GLOBALROOT\\Device\\Afd\\...`), and that handle polls like one opened with NtCreateFile.",
		Expected: "SEND, as with NtCreateFile",
		run:      globalRoot,
	},
	{
		Name:     "close-device",
		Truth:    "Closing the AFD handle does not end a poll pending on it: the poll still completes as its sockets and its timeout decide, here with STATUS_TIMEOUT once its timeout has passed.",
		Expected: "still pending; STATUS_TIMEOUT at its timeout",
		run:      closeDevice,
	},
}
