//go:build !linux && !windows

// Command gnet is the benchmark server on gnet v2; the
// benchmarks run it on Linux and Windows only.
package main

import "github.com/goafd/afd/bench/internal/harness"

func main() { harness.Unsupported() }
