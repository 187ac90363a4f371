//go:build !linux && !windows

// Command gonet is the benchmark server on Go's net package; the
// benchmarks run it on Linux and Windows only.
package main

import "github.com/goafd/afd/bench/internal/harness"

func main() { harness.Unsupported() }
