// Package evhttp serves standard http.Handlers over the connections of
// package evloop: requests are parsed on the event loops, incrementally, and
// handlers run on a bounded pool of goroutines.
package evhttp
