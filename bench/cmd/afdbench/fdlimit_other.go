//go:build !unix

package main

// checkFDLimit does nothing: Windows has no descriptor limit to check.
func checkFDLimit(n int) error { return nil }
