//go:build !windows

// Command select is the benchmark server on a Winsock select loop, which
// is Windows's: it runs there only.
package main

import "github.com/goafd/afd/bench/internal/harness"

func main() { harness.Unsupported() }
