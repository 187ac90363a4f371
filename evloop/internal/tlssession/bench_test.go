package tlssession

import (
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hub is an event loop for benchmarks: one goroutine serving many
// server sessions that echo what they read, as evloop would. Clients are
// crypto/tls connections whose writes become the hub's events.
type hub struct {
	cfg    *Config
	events chan hubEvent
	done   chan struct{}
	pt     []byte
}

type hubKind uint8

const (
	hubOpen hubKind = iota
	hubData
	hubNotify
	hubClose
	hubStop
)

type hubEvent struct {
	kind hubKind
	c    *hubConn
	data []byte
}

// hubConn is one connection of the hub: the session (the hub's) and the
// client's end.
type hubConn struct {
	h        *hub
	s        *Session
	toClient *queue
	opened   chan error
}

func newHub(cfg *Config) *hub {
	h := &hub{cfg: cfg, events: make(chan hubEvent, 4096), done: make(chan struct{}), pt: make([]byte, 64<<10)}
	go h.run()
	return h
}

func (h *hub) run() {
	defer close(h.done)
	for ev := range h.events {
		c := ev.c
		switch ev.kind {
		case hubStop:
			return
		case hubOpen:
			s, err := New(h.cfg, Server, Options{
				Send:   func(p []byte) error { _, err := c.toClient.Write(p); return err },
				Notify: func() { h.events <- hubEvent{kind: hubNotify, c: c} },
			})
			if err != nil {
				c.opened <- err
				continue
			}
			c.s = s
		case hubNotify:
			if c.s == nil {
				continue
			}
			opened, err := c.s.Step()
			if err != nil {
				c.opened <- err
			}
			if opened {
				c.opened <- nil
				h.feed(c, nil)
			}
		case hubData:
			if c.s != nil {
				h.feed(c, ev.data)
			}
		case hubClose:
			if c.s != nil {
				c.s.Close()
				c.s = nil
			}
		}
	}
}

// feed feeds ct and echoes the plaintext.
func (h *hub) feed(c *hubConn, ct []byte) {
	for {
		n, err := c.s.Feed(ct, h.pt)
		ct = nil
		if n > 0 {
			c.s.Write(h.pt[:n])
		}
		if err != nil || n < len(h.pt) {
			return
		}
	}
}

func (h *hub) stop() {
	h.events <- hubEvent{kind: hubStop}
	<-h.done
}

// dial opens a connection to the hub and returns the client's end.
func (h *hub) dial() (*hubConn, net.Conn) {
	c := &hubConn{h: h, toClient: newQueue(), opened: make(chan error, 1)}
	h.events <- hubEvent{kind: hubOpen, c: c}
	return c, &hubClientConn{c: c}
}

// hubClientConn is the client's net.Conn: its writes are hub events.
type hubClientConn struct {
	peerConn
	c *hubConn
}

func (cc *hubClientConn) Read(p []byte) (int, error) { return cc.c.toClient.Read(p) }
func (cc *hubClientConn) Write(p []byte) (int, error) {
	cc.c.h.events <- hubEvent{kind: hubData, c: cc.c, data: append([]byte(nil), p...)}
	return len(p), nil
}

// echo writes n bytes on c and reads them back, at once: over a
// synchronous net.Pipe, a server that echoes while the client still
// writes would wait for the client otherwise.
func echo(c *tls.Conn, n int) error {
	if err := c.Handshake(); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(make([]byte, n))
		errc <- err
	}()
	_, err := io.ReadFull(c, make([]byte, n))
	if werr := <-errc; err == nil {
		err = werr
	}
	return err
}

// heapAndStacks is the memory in use by the heap and goroutine stacks,
// after a collection.
func heapAndStacks() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

const idleConns = 1000

// BenchmarkIdleMemory measures what an idle server connection holds
// after its handshake and one echo of size bytes: a Session served by a
// loop (no goroutine of its own), against crypto/tls's tls.Conn over
// net.Pipe with a goroutine blocked in Read on a 4 KiB buffer, as a
// server on Go's net holds it. The figure is the memory that the
// server's side of idleConns connections frees when they are dropped
// (the clients stay), per connection. Run with -benchtime=1x.
func BenchmarkIdleMemory(b *testing.B) {
	p := newPKI(b)
	for _, v := range versions {
		for _, size := range []int{64, 64 << 10} {
			name := v.name + "/echo-" + byteSize(size)
			b.Run(name+"/session", func(b *testing.B) {
				srvCfg, cliCfg := p.configs(v.v)
				var per float64
				for range b.N {
					per += idleSessions(b, srvCfg, cliCfg, size)
				}
				b.ReportMetric(per/float64(b.N), "bytes/conn")
			})
			b.Run(name+"/tls.Conn", func(b *testing.B) {
				srvCfg, cliCfg := p.configs(v.v)
				var per float64
				for range b.N {
					per += idleConnsGo(b, srvCfg, cliCfg, size)
				}
				b.ReportMetric(per/float64(b.N), "bytes/conn")
			})
		}
	}
}

func byteSize(n int) string {
	if n >= 1<<10 {
		return itoa(n>>10) + "KiB"
	}
	return itoa(n) + "B"
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// runClients runs f for idleConns clients, 50 at a time.
func runClients(b *testing.B, f func(i int) error) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	var failed atomic.Value
	for i := range idleConns {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := f(i); err != nil {
				failed.Store(err)
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
}

func idleSessions(b *testing.B, srvCfg, cliCfg *tls.Config, size int) float64 {
	cfg := &Config{TLS: srvCfg, Pool: NewPool(PoolConfig{})}
	h := newHub(cfg)
	conns := make([]*hubConn, idleConns)
	clients := make([]*tls.Conn, idleConns)
	runClients(b, func(i int) error {
		c, nc := h.dial()
		cl := tls.Client(nc, cliCfg)
		if err := cl.Handshake(); err != nil {
			return err
		}
		if err := <-c.opened; err != nil {
			return err
		}
		conns[i], clients[i] = c, cl
		return echo(cl, size)
	})
	h.stop()
	before := heapAndStacks()
	for _, c := range conns {
		c.s.Close()
		c.s = nil
	}
	after := heapAndStacks()
	runtime.KeepAlive(clients)
	runtime.KeepAlive(conns)
	return float64(int64(before)-int64(after)) / idleConns
}

func idleConnsGo(b *testing.B, srvCfg, cliCfg *tls.Config, size int) float64 {
	servers := make([]*tls.Conn, idleConns)
	sockets := make([]net.Conn, idleConns)
	clients := make([]*tls.Conn, idleConns)
	var served sync.WaitGroup
	runClients(b, func(i int) error {
		sc, cc := net.Pipe()
		srv := tls.Server(sc, srvCfg)
		servers[i], sockets[i] = srv, sc
		served.Add(1)
		go func() {
			defer served.Done()
			buf := make([]byte, 4096)
			for {
				n, err := srv.Read(buf)
				if err != nil {
					return
				}
				if _, err := srv.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
		cl := tls.Client(cc, cliCfg)
		clients[i] = cl
		return echo(cl, size)
	})
	time.Sleep(10 * time.Millisecond) // let the servers settle in Read
	before := heapAndStacks()
	for i := range servers {
		// Closing the tls.Conn would send close_notify, which waits
		// for the client to read it on the synchronous pipe.
		sockets[i].Close()
		servers[i], sockets[i] = nil, nil
	}
	served.Wait()
	after := heapAndStacks()
	runtime.KeepAlive(clients)
	return float64(int64(before)-int64(after)) / idleConns
}

// BenchmarkHandshake measures TLS 1.3 handshakes (and a 1-byte echo)
// per second with 64 clients at once: server sessions through a pool of
// 2 and of 256 workers on one loop, against crypto/tls's
// tls.Conn.Handshake on a goroutine per connection.
func BenchmarkHandshake(b *testing.B) {
	p := newPKI(b)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	const clients = 64
	for _, workers := range []int{2, 256} {
		b.Run("pool-"+itoa(workers), func(b *testing.B) {
			pool := NewPool(PoolConfig{Workers: workers})
			h := newHub(&Config{TLS: srvCfg, Pool: pool})
			defer h.stop()
			var maxQueued atomic.Int64
			b.SetParallelism(clients / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c, nc := h.dial()
					cl := tls.Client(nc, cliCfg)
					if err := cl.Handshake(); err != nil {
						b.Error(err)
						return
					}
					if q := int64(pool.Stats().Queued); q > maxQueued.Load() {
						maxQueued.Store(q)
					}
					if err := echo(cl, 1); err != nil {
						b.Error(err)
						return
					}
					h.events <- hubEvent{kind: hubClose, c: c}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
			b.ReportMetric(float64(maxQueued.Load()), "max-queued")
		})
	}
	b.Run("tls.Conn", func(b *testing.B) {
		b.SetParallelism(clients / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				a, c := newQueue(), newQueue()
				srv := tls.Server(&peerConn{in: a, out: c}, srvCfg)
				done := make(chan error, 1)
				go func() {
					buf := make([]byte, 1)
					if err := srv.Handshake(); err != nil {
						done <- err
						return
					}
					_, err := io.ReadFull(srv, buf)
					if err == nil {
						_, err = srv.Write(buf)
					}
					done <- err
				}()
				cl := tls.Client(&peerConn{in: c, out: a}, cliCfg)
				if err := cl.Handshake(); err != nil {
					b.Error(err)
					return
				}
				if err := echo(cl, 1); err != nil {
					b.Error(err)
					return
				}
				if err := <-done; err != nil {
					b.Error(err)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
	})
}
