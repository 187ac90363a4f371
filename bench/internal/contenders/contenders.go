// Package contenders lists the servers afdbench compares: each is a main
// package under bench/servers that speaks the protocol of package harness.
package contenders

import "slices"

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
	// Description says in one line what it is.
	Description string
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
		Description: "evloop (this project): event loops on poll, epoll on Linux (GOMAXPROCS loops), AFD on Windows (4 loops per P)",
	},
	{
		Name:        "gonet",
		Package:     "./servers/gonet",
		GOOS:        []string{"linux", "windows"},
		Description: "Go net: a goroutine per connection with a 16 KiB buffer (IOCP on Windows, epoll on Linux)",
	},
	{
		Name:        "gnet",
		Package:     "./servers/gnet",
		GOOS:        []string{"linux", "windows"},
		Description: "gnet v2, multicore: event loops on epoll on Linux; on Windows a pooled goroutine per connection over Go net",
	},
	{
		Name:        "nbio",
		Package:     "./servers/nbio",
		GOOS:        []string{"linux"},
		Description: "nbio: event loops on epoll",
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
