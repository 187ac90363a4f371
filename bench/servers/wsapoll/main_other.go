//go:build !windows

// Command wsapoll is the benchmark server on a WSAPoll loop, which is
// Windows's: it runs there only.
package main

import "github.com/goafd/afd/bench/internal/harness"

func main() { harness.Unsupported() }
