// Package contenders lists the servers afdbench compares: each is a main
// package under bench/servers that speaks the protocol of package harness.
package contenders

import (
	"slices"

	"github.com/goafd/afd/bench/internal/harness"
)

// A Contender is one benchmark server.
type Contender struct {
	// Name identifies it in results: "evloop", "gonet", ...
	Name string
	// Package is its main package, relative to the bench module's root
	// ("./servers/evloop"), for go build.
	Package string
	// GOOS lists the systems it runs on. Built for another, it exits with
	// status 2 (harness.ExitUnsupported).
	GOOS []string
	// Offers lists what it serves beyond plaintext echo and sink: TLS
	// (-tls) and HTTP (-mode http), on every system in GOOS. Asked for
	// another, its server exits with status 2.
	Offers []harness.Feature
	// RaceReports lists the features whose code, outside this repository,
	// the race detector reports races in: their checks in package
	// harnesstest are skipped under the race detector, and run without
	// it (natively and under Wine) and in afdbench.
	RaceReports []harness.Feature
	// Description says in one line what it is.
	Description string
}

// Serves reports whether c offers f.
func (c Contender) Serves(f harness.Feature) bool {
	return slices.Contains(c.Offers, f)
}

// RunsOn reports whether c runs on goos.
func (c Contender) RunsOn(goos string) bool {
	return slices.Contains(c.GOOS, goos)
}

// all is the registry, this project's own event loop first.
var all = []Contender{
	{
		Name:        "evloop",
		Package:     "./servers/evloop",
		GOOS:        []string{"linux", "windows"},
		Offers:      []harness.Feature{harness.TLS, harness.HTTPServer, harness.WebSocket},
		Description: "evloop (this project): event loops on poll, epoll on Linux (GOMAXPROCS loops), AFD on Windows (4 loops per P); TLS: ListenTLS (crypto/tls, handshakes on a pool, records on the loops); HTTP: evhttp; WebSocket: evhttp/websocket",
	},
	{
		Name:        "gonet",
		Package:     "./servers/gonet",
		GOOS:        []string{"linux", "windows"},
		Offers:      []harness.Feature{harness.TLS, harness.HTTPServer, harness.WebSocket},
		Description: "Go net: a goroutine per connection with a 16 KiB buffer (IOCP on Windows, epoll on Linux); TLS: crypto/tls's listener; HTTP: net/http; WebSocket: net/http and gorilla/websocket v1.5.3, a goroutine per connection",
	},
	{
		Name:        "gnet",
		Package:     "./servers/gnet",
		GOOS:        []string{"linux", "windows"},
		Description: "gnet v2, multicore: event loops on epoll on Linux; on Windows a pooled goroutine per connection over Go net",
	},
	{
		Name:    "nbio",
		Package: "./servers/nbio",
		GOOS:    []string{"linux"},
		Offers:  []harness.Feature{harness.HTTPServer, harness.WebSocket},
		// nbhttp v1.6.8: between the listener goroutine that fills a
		// connection's fields (nbhttp/engine.go:340) and the poller
		// that reads them (nbhttp/processor.go:230): in 3 of 4 runs
		// of `go test -race -count=2` of its check. Its WebSocket
		// connections are served by the same code: the same report in
		// 2 of 5 runs of `go test -race -count=4 -run TestProtocol/ws`.
		RaceReports: []harness.Feature{harness.HTTPServer, harness.WebSocket},
		Description: "nbio: event loops on epoll; HTTP: nbhttp; WebSocket: nbhttp/websocket (no TLS: see bench/servers/nbio)",
	},
	{
		Name:        "wsapoll",
		Package:     "./servers/wsapoll",
		GOOS:        []string{"windows"},
		Description: "a single-threaded WSAPoll loop over non-blocking sockets, 64 KiB shared read buffer",
	},
	{
		Name:        "select",
		Package:     "./servers/select",
		GOOS:        []string{"windows"},
		Description: "a single-threaded Winsock select loop over non-blocking sockets, 64 KiB shared read buffer",
	},
}

// All returns every contender, this project's first.
func All() []Contender {
	return slices.Clone(all)
}

// On returns the contenders that run on goos.
func On(goos string) []Contender {
	var cs []Contender
	for _, c := range all {
		if c.RunsOn(goos) {
			cs = append(cs, c)
		}
	}
	return cs
}

// Lookup returns the contender called name.
func Lookup(name string) (Contender, bool) {
	i := slices.IndexFunc(all, func(c Contender) bool { return c.Name == name })
	if i < 0 {
		return Contender{}, false
	}
	return all[i], true
}
