package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/goafd/afd/evhttp"
	"github.com/goafd/afd/evhttp/internal/workpool"
	"github.com/goafd/afd/evloop"
)

// An Upgrader upgrades requests served by an evhttp.Server to WebSocket
// connections. Set its fields before the first Upgrade; the zero value
// is ready, with the defaults below. Its connections' callbacks share
// its pool.
type Upgrader struct {
	// Subprotocols are the server's subprotocols, by preference: the
	// first that the client offers is chosen.
	Subprotocols []string

	// CheckOrigin reports whether a request's Origin is allowed. nil: a
	// request with an Origin header whose host is not the request's Host
	// is refused (403), as with gorilla/websocket.
	CheckOrigin func(r *http.Request) bool

	// MaxMessageSize is the largest message accepted, fragments
	// together; a larger one fails the connection with 1009. Zero:
	// DefaultMaxMessageSize.
	MaxMessageSize int64

	// WriteWindow is how many bytes of frames may wait to be taken by
	// the socket before WriteMessage waits; larger messages are sent as
	// fragments of this size. Zero: DefaultWriteWindow.
	WriteWindow int

	// CloseTimeout is how long Close waits for the peer's close frame
	// before it closes the connection. Zero: DefaultCloseTimeout.
	CloseTimeout time.Duration

	// MaxHandlers is the number of goroutines that run callbacks at most,
	// for all of the Upgrader's connections. Zero: DefaultMaxHandlers.
	MaxHandlers int

	// ErrorLog logs panics of callbacks; nil: the log package's standard
	// logger.
	ErrorLog *log.Logger

	once sync.Once
	pool workpool.Pool

	mu        sync.Mutex
	conns     map[*Conn]struct{} // open connections, for Shutdown
	closing   bool               // Shutdown was called
	upgrading int                // upgrades between begin and track
}

// keyGUID is the GUID of RFC 6455 section 1.3.
const keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key.
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + keyGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// Upgrade answers r, an opening handshake, with 101 Switching Protocols
// and returns the connection, whose frames are parsed on its evloop loop
// from then on and whose messages go to h. Call it from a handler of an
// evhttp.Server; the handler may return at once, the connection lives on
// without it. A request that is not a valid handshake is answered with
// an error status (400, 403, 405, or 426 for another version) and
// Upgrade returns an error wrapping ErrBadHandshake. With a
// ResponseWriter that is not evhttp's, or one whose response was begun,
// Upgrade fails with evhttp.SwitchProtocols's error (errors.ErrUnsupported,
// evhttp.ErrSwitchWritten) and writes nothing.
func (u *Upgrader) Upgrade(w http.ResponseWriter, r *http.Request, h Handler) (*Conn, error) {
	u.once.Do(func() {
		u.pool.Max = u.MaxHandlers
		if u.pool.Max <= 0 {
			u.pool.Max = DefaultMaxHandlers
		}
		u.pool.Linger = -1 // no worker stays without callbacks to run
	})
	refuse := func(status int, why string) (*Conn, error) {
		http.Error(w, http.StatusText(status)+": "+why, status)
		return nil, fmt.Errorf("%w: %s", ErrBadHandshake, why)
	}
	switch {
	case r.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		return refuse(http.StatusMethodNotAllowed, "method is not GET")
	case !r.ProtoAtLeast(1, 1):
		return refuse(http.StatusBadRequest, "HTTP/1.1 or later is needed")
	case !headerHasToken(r.Header, "Connection", "upgrade"):
		return refuse(http.StatusBadRequest, "no 'upgrade' token in Connection")
	case !headerHasToken(r.Header, "Upgrade", "websocket"):
		return refuse(http.StatusBadRequest, "no 'websocket' token in Upgrade")
	case r.Header.Get("Sec-Websocket-Version") != "13":
		w.Header().Set("Sec-WebSocket-Version", "13")
		return refuse(http.StatusUpgradeRequired, "Sec-WebSocket-Version is not 13")
	}
	key := r.Header.Get("Sec-Websocket-Key")
	if b, err := base64.StdEncoding.DecodeString(key); err != nil || len(b) != 16 {
		return refuse(http.StatusBadRequest, "Sec-WebSocket-Key is not 16 bytes in base64")
	}
	check := u.CheckOrigin
	if check == nil {
		check = sameOrigin
	}
	if !check(r) {
		return refuse(http.StatusForbidden, "origin not allowed")
	}
	c := newConn(Handler(h), false, settings{
		maxMessage:   orDefault(u.MaxMessageSize, DefaultMaxMessageSize),
		writeWindow:  orDefault(u.WriteWindow, DefaultWriteWindow),
		closeTimeout: orDefault(u.CloseTimeout, DefaultCloseTimeout),
		log:          u.ErrorLog,
	}, &u.pool)
	c.subprotocol = u.choose(r)
	if !u.begin() {
		refuseShutdown(w)
		return nil, fmt.Errorf("%w: the server is shutting down", ErrBadHandshake)
	}
	c.untrack = func() { u.untrack(c) }
	hd := w.Header()
	hd.Set("Upgrade", "websocket")
	hd.Set("Connection", "Upgrade")
	hd.Set("Sec-WebSocket-Accept", acceptKey(key))
	if c.subprotocol != "" {
		hd.Set("Sec-WebSocket-Protocol", c.subprotocol)
	}
	err := evhttp.SwitchProtocols(w, evhttp.Protocol{
		OnOpen:    func(ec *evloop.Conn) { c.c = ec },
		OnTraffic: c.onTraffic,
		OnClose:   c.onClose,
	})
	if err != nil {
		u.track(nil)
		return nil, fmt.Errorf("websocket: upgrade: %w", err)
	}
	if testHookUpgradeSwitched != nil {
		testHookUpgradeSwitched()
	}
	if !u.track(c) {
		// Shutdown began since begin: it waits for this close too.
		c.Close(CloseGoingAway, "server shutting down")
	}
	return c, nil
}

// testHookUpgradeSwitched, if set by a test, runs once an upgrade's
// connection is switched, before the Upgrader tracks it.
var testHookUpgradeSwitched func()

// choose picks the subprotocol: the first of the server's that the client
// offers.
func (u *Upgrader) choose(r *http.Request) string {
	offered := headerTokens(r.Header, "Sec-Websocket-Protocol")
	for _, p := range u.Subprotocols {
		for _, o := range offered {
			if o == p {
				return p
			}
		}
	}
	return ""
}

// sameOrigin allows a request without Origin, or whose Origin's host is
// the request's Host.
func sameOrigin(r *http.Request) bool {
	o := r.Header["Origin"]
	if len(o) == 0 {
		return true
	}
	u, err := url.Parse(o[0])
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// headerTokens returns the comma-separated tokens of a header's values.
func headerTokens(h http.Header, name string) []string {
	var out []string
	for _, v := range h[http.CanonicalHeaderKey(name)] {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, t := range headerTokens(h, name) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

func orDefault[T int | int64 | time.Duration](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}
