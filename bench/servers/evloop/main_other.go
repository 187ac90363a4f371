//go:build !linux && !windows

// Command evloop is the benchmark server on this project's event loops;
// the benchmarks run it on Linux and Windows only.
package main

import "github.com/goafd/afd/bench/internal/harness"

func main() { harness.Unsupported() }
