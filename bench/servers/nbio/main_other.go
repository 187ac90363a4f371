//go:build !linux

// Command nbio is the benchmark server on nbio; the benchmarks run it on
// Linux only (on Windows nbio serves with Go's net package).
package main

import "github.com/goafd/afd/bench/internal/harness"

func main() { harness.Unsupported() }
