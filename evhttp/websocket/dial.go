package websocket

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/goafd/afd/evhttp/internal/workpool"
	"github.com/goafd/afd/evloop"
)

// maxResponseHead caps the handshake response's head.
const maxResponseHead = 16 << 10

// A Dialer opens client connections over an evloop.Server's loops. The
// zero value is ready, with the defaults of Upgrader's fields.
type Dialer struct {
	// Subprotocols are offered to the server, by preference.
	Subprotocols []string
	// Header is added to the handshake request (Origin, cookies, ...).
	Header http.Header
	// TLSConfig configures wss:// connections (evloop's DialTLS); nil: a
	// config with the URL's host as ServerName.
	TLSConfig *tls.Config

	// As the Upgrader's fields of these names.
	MaxMessageSize int64
	WriteWindow    int
	CloseTimeout   time.Duration
	MaxHandlers    int
	ErrorLog       *log.Logger

	once sync.Once
	pool workpool.Pool
}

// Dial opens a WebSocket connection to rawURL (ws:// or wss://) on a loop
// of es and returns it once the server has accepted the handshake, with
// the server's response (its body empty). A refused handshake fails
// with ErrBadHandshake (the response is returned too when there was
// one); ctx bounds the connect and the handshake.
func (d *Dialer) Dial(ctx context.Context, es *evloop.Server, rawURL string, h Handler) (*Conn, *http.Response, error) {
	d.once.Do(func() {
		d.pool.Max = d.MaxHandlers
		if d.pool.Max <= 0 {
			d.pool.Max = DefaultMaxHandlers
		}
		d.pool.Linger = -1 // no worker stays without callbacks to run
	})
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: dial: %w", err)
	}
	var secure bool
	switch u.Scheme {
	case "ws":
	case "wss":
		secure = true
	default:
		return nil, nil, fmt.Errorf("websocket: dial %s: scheme is not ws or wss", rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if secure {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	var kb [16]byte
	rand.Read(kb[:])
	key := base64.StdEncoding.EncodeToString(kb[:])
	var req bytes.Buffer
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", u.RequestURI(), u.Host, key)
	if len(d.Subprotocols) > 0 {
		fmt.Fprintf(&req, "Sec-WebSocket-Protocol: %s\r\n", strings.Join(d.Subprotocols, ", "))
	}
	d.Header.Write(&req)
	req.WriteString("\r\n")

	c := newConn(h, true, settings{
		maxMessage:   orDefault(d.MaxMessageSize, DefaultMaxMessageSize),
		writeWindow:  orDefault(d.WriteWindow, DefaultWriteWindow),
		closeTimeout: orDefault(d.CloseTimeout, DefaultCloseTimeout),
		log:          d.ErrorLog,
	}, &d.pool)

	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	open := false // the loop's: the handshake is done
	eh := evloop.Handler{
		OnOpen: func(ec *evloop.Conn) {
			c.c = ec
			ec.Write(req.Bytes())
		},
		OnTraffic: func(ec *evloop.Conn) {
			if open {
				c.onTraffic(ec)
				return
			}
			in, _ := ec.Peek(-1)
			end := bytes.Index(in, []byte("\r\n\r\n"))
			if end < 0 {
				if len(in) > maxResponseHead {
					done <- result{nil, fmt.Errorf("%w: response head over %d bytes", ErrBadHandshake, maxResponseHead)}
					ec.Close()
				}
				return
			}
			head := in[:end+4]
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(head)), &http.Request{Method: http.MethodGet})
			ec.Discard(len(head))
			if err == nil {
				resp.Body = http.NoBody
				err = d.check(resp, key, c)
			}
			if err != nil {
				done <- result{resp, err}
				ec.Close()
				return
			}
			open = true
			done <- result{resp, nil}
			c.onTraffic(ec)
		},
		OnClose: func(ec *evloop.Conn, err error) {
			if open {
				c.onClose(ec, err)
				return
			}
			if err == nil {
				err = net.ErrClosed
			}
			select {
			case done <- result{nil, fmt.Errorf("websocket: dial %s: %w", rawURL, err)}:
			default:
			}
		},
	}
	var ec *evloop.Conn
	if secure {
		cfg := d.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: u.Hostname()}
		}
		ec, err = es.DialTLS("tcp://"+host, cfg, eh)
	} else {
		ec, err = es.Dial("tcp://"+host, eh)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: dial %s: %w", rawURL, err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			return nil, r.resp, r.err
		}
		return c, r.resp, nil
	case <-ctx.Done():
		ec.Close()
		return nil, nil, fmt.Errorf("websocket: dial %s: %w", rawURL, ctx.Err())
	}
}

// check checks the server's answer to the handshake.
func (d *Dialer) check(resp *http.Response, key string, c *Conn) error {
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		return fmt.Errorf("%w: status %s", ErrBadHandshake, resp.Status)
	case !headerHasToken(resp.Header, "Upgrade", "websocket"):
		return fmt.Errorf("%w: no 'websocket' token in Upgrade", ErrBadHandshake)
	case !headerHasToken(resp.Header, "Connection", "upgrade"):
		return fmt.Errorf("%w: no 'upgrade' token in Connection", ErrBadHandshake)
	case resp.Header.Get("Sec-Websocket-Accept") != acceptKey(key):
		return fmt.Errorf("%w: wrong Sec-WebSocket-Accept", ErrBadHandshake)
	case resp.Header.Get("Sec-Websocket-Extensions") != "":
		return fmt.Errorf("%w: an extension that was not offered", ErrBadHandshake)
	}
	p := resp.Header.Get("Sec-Websocket-Protocol")
	if p != "" {
		ok := false
		for _, o := range d.Subprotocols {
			ok = ok || o == p
		}
		if !ok {
			return fmt.Errorf("%w: subprotocol %q was not offered", ErrBadHandshake, p)
		}
	}
	c.subprotocol = p
	return nil
}
