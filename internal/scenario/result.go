package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goafd/afd"
)

// Verdict says how what a scenario observed compares with what Windows
// does.
type Verdict int

const (
	// VerdictMatch: the driver behaved as Windows does.
	VerdictMatch Verdict = iota
	// VerdictMismatch: the driver did something Windows does not.
	VerdictMismatch
	// VerdictWine: running under Wine, the driver did what Wine is known
	// to do where it differs from Windows (see Result.WineNotes). It is not
	// a match: on Windows the same observation would be a mismatch.
	VerdictWine
	// VerdictError: the scenario could not be set up or run to the end
	// (see Result.Err), so nothing can be said.
	VerdictError
)

var verdictNames = [...]string{"yes", "NO", "wine", "error"}

// String returns "yes", "NO", "wine" or "error", as the MATCH column of
// the table shows it.
func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return fmt.Sprintf("Verdict(%d)", int(v))
	}
	return verdictNames[v]
}

// MarshalText encodes v as its String.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Failed reports whether v means the Windows behaviour was not observed
// for a reason other than a known Wine difference.
func (v Verdict) Failed() bool { return v == VerdictMismatch || v == VerdictError }

// An Entry is one ready socket of a completed poll.
type Entry struct {
	// Index is the socket's position in the submitted poll.
	Index int `json:"index"`
	// Events is what fired.
	Events afd.Events `json:"events"`
	// Status is the socket's status, for example StatusConnectionRefused
	// with ConnectFail.
	Status afd.Status `json:"status"`
}

// MarshalJSON writes the events and status by name.
func (e Entry) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Index  int    `json:"index"`
		Events string `json:"events"`
		Status string `json:"status"`
	}{e.Index, e.Events.String(), statusName(e.Status)})
}

// A Poll records one IOCTL_AFD_POLL that a scenario issued: what it asked
// for and how the driver answered.
type Poll struct {
	// Label says what the poll is for within its scenario ("while full").
	Label string
	// Handles is how many sockets the poll named.
	Handles int
	// Requested is the union of the events asked for.
	Requested afd.Events
	// Exclusive is the poll's Exclusive flag.
	Exclusive bool
	// Timeout is the poll's timeout; negative means never.
	Timeout time.Duration
	// Submit is what NtDeviceIoControlFile answered: StatusPending, the
	// status of a poll completed inline, or the error it was refused with.
	Submit afd.Status
	// Inline reports whether the poll completed within the submitting call.
	Inline bool
	// Completed reports whether the poll's completion was observed: a
	// packet was dequeued, or it completed inline with no packet due.
	Completed bool
	// Status is the IO_STATUS_BLOCK status once completed; StatusPending
	// if the poll never completed.
	Status afd.Status
	// Count is NumberOfHandles as the driver left it: the number of ready
	// sockets after a success, the submitted count after an error (the
	// driver then leaves the buffer untouched).
	Count int
	// Ready lists the ready sockets, as the driver packed them.
	Ready []Entry
	// Queued reports whether a completion packet was dequeued for the poll.
	Queued bool
	// Key is the completion key of that packet.
	Key uintptr
	// Bytes is the packet's byte count (IO_STATUS_BLOCK.Information).
	Bytes uint32
	// Took is the time from submission to the observed completion.
	Took time.Duration
}

// Reported returns the union of the events of the ready sockets.
func (p *Poll) Reported() afd.Events {
	var e afd.Events
	for _, r := range p.Ready {
		e |= r.Events
	}
	return e
}

// MarshalJSON writes events and statuses by name and durations as strings.
func (p Poll) MarshalJSON() ([]byte, error) {
	ready := p.Ready
	if ready == nil {
		ready = []Entry{}
	}
	return json.Marshal(struct {
		Label     string  `json:"label"`
		Handles   int     `json:"handles"`
		Requested string  `json:"requested"`
		Reported  string  `json:"reported"`
		Exclusive bool    `json:"exclusive"`
		Timeout   string  `json:"timeout"`
		Submit    string  `json:"submit"`
		Inline    bool    `json:"inline"`
		Completed bool    `json:"completed"`
		Status    string  `json:"status"`
		Count     int     `json:"count"`
		Ready     []Entry `json:"ready"`
		Queued    bool    `json:"queued"`
		Key       uintptr `json:"key"`
		Bytes     uint32  `json:"bytes"`
		Took      string  `json:"took"`
	}{
		p.Label, p.Handles, p.Requested.String(), p.Reported().String(), p.Exclusive,
		timeoutString(p.Timeout), statusName(p.Submit), p.Inline, p.Completed,
		statusName(p.Status), p.Count, ready, p.Queued, p.Key, p.Bytes, p.Took.String(),
	})
}

func timeoutString(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.String()
}

// A Result is what one scenario observed, next to what Windows does.
type Result struct {
	// Name identifies the scenario ("connect-fail").
	Name string `json:"name"`
	// Truth is what Windows does, in a sentence or two.
	Truth string `json:"truth"`
	// Expected is Truth in brief, as the table shows it.
	Expected string `json:"expected"`
	// Polls are the polls the scenario issued, in order.
	Polls []Poll `json:"polls"`
	// Notes are other observations worth reading.
	Notes []string `json:"notes,omitempty"`
	// Mismatches say how the observation differs from Truth.
	Mismatches []string `json:"mismatches,omitempty"`
	// WineNotes name the known Wine differences observed.
	WineNotes []string `json:"wine_notes,omitempty"`
	// Wine is the Wine version the scenario ran under; "" on Windows.
	Wine string `json:"wine,omitempty"`
	// Err says why the scenario could not run, if it could not.
	Err string `json:"error,omitempty"`
	// Verdict sums the above up.
	Verdict Verdict `json:"match"`
	// Took is how long the scenario ran.
	Took time.Duration `json:"-"`
}

// Failed reports whether any result failed (see Verdict.Failed); with
// strict, known Wine differences count as failures too.
func Failed(results []Result, strict bool) bool {
	for _, r := range results {
		if r.Verdict.Failed() || strict && r.Verdict == VerdictWine {
			return true
		}
	}
	return false
}

// statusName returns the name of s, or its value if it has none.
func statusName(s afd.Status) string {
	if n := s.Name(); n != "" {
		return n
	}
	return fmt.Sprintf("0x%08X", uint32(s))
}

// join formats each poll of r with f and joins the results with "; ".
func join(r *Result, f func(p *Poll) string) string {
	if len(r.Polls) == 0 {
		return "-"
	}
	parts := make([]string, len(r.Polls))
	for i := range r.Polls {
		parts[i] = f(&r.Polls[i])
	}
	return strings.Join(parts, "; ")
}

// same reports whether f gives the same value for every poll of r, and
// r has at least one.
func same[T comparable](r *Result, f func(p *Poll) T) bool {
	for i := range r.Polls {
		if f(&r.Polls[i]) != f(&r.Polls[0]) {
			return false
		}
	}
	return len(r.Polls) > 0
}

// pollStatus is a poll's status for the table: the IO_STATUS_BLOCK status,
// then the ready sockets' statuses that are not STATUS_SUCCESS.
func pollStatus(p *Poll) string {
	s := statusName(p.Status)
	var hs []string
	for _, e := range p.Ready {
		if e.Status != afd.StatusSuccess {
			hs = append(hs, statusName(e.Status))
		}
	}
	if len(hs) > 0 {
		s += " [" + strings.Join(hs, ",") + "]"
	}
	return s
}

// Row returns the table's columns for r: scenario, events requested,
// events reported, status, expected Windows behaviour, match, note. A
// scenario with several polls shows them in order, separated by "; ",
// except that events requested by every poll alike are shown once. The
// note starts with what explains the verdict (the Wine difference, the
// mismatches or the error), followed by the other notes.
func (r *Result) Row() []string {
	var note []string
	switch r.Verdict {
	case VerdictWine:
		note = append(note, r.WineNotes...)
	case VerdictMismatch:
		note = append(note, r.Mismatches...)
	case VerdictError:
		note = append(append(note, r.Err), r.Mismatches...)
	}
	note = append(note, r.Notes...)
	requested := join(r, func(p *Poll) string { return p.Requested.String() })
	if same(r, func(p *Poll) afd.Events { return p.Requested }) {
		requested = r.Polls[0].Requested.String()
	}
	return []string{
		r.Name,
		requested,
		join(r, func(p *Poll) string { return p.Reported().String() }),
		join(r, pollStatus),
		r.Expected,
		r.Verdict.String(),
		oneLine(strings.Join(note, "; ")),
	}
}

// oneLine keeps a table cell on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Header is the table's header row, matching Result.Row.
var Header = []string{"SCENARIO", "REQUESTED", "REPORTED", "STATUS", "EXPECTED (WINDOWS)", "MATCH", "NOTE"}

// WriteTable writes the results as a table aligned with spaces, one row
// per scenario under Header, then a one-line summary.
func WriteTable(w io.Writer, results []Result) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(Header, "\t"))
	for i := range results {
		fmt.Fprintln(tw, strings.Join(results[i].Row(), "\t"))
	}
	tw.Flush()
	// An empty last cell leaves the padding of the one before it.
	for line := range strings.Lines(buf.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, Summary(results))
	return err
}

// Summary counts the results by verdict: "19 scenarios: 17 match, 1 Wine
// difference, 1 mismatch, 0 errors".
func Summary(results []Result) string {
	var n [len(verdictNames)]int
	for _, r := range results {
		if r.Verdict >= 0 && int(r.Verdict) < len(n) {
			n[r.Verdict]++
		}
	}
	plural := func(k int, one, many string) string {
		if k == 1 {
			return fmt.Sprintf("%d %s", k, one)
		}
		return fmt.Sprintf("%d %s", k, many)
	}
	return fmt.Sprintf("%s: %d match, %s, %s, %s",
		plural(len(results), "scenario", "scenarios"), n[VerdictMatch],
		plural(n[VerdictWine], "Wine difference", "Wine differences"),
		plural(n[VerdictMismatch], "mismatch", "mismatches"),
		plural(n[VerdictError], "error", "errors"))
}

// WriteJSON writes the results as an indented JSON array.
func WriteJSON(w io.Writer, results []Result) error {
	if results == nil {
		results = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(results)
}
