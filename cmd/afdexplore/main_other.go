//go:build !windows

package main

import (
	"fmt"
	"io"
)

// needsWindows is what the explorer says on other systems.
const needsWindows = `afdexplore: \Device\Afd is a Windows driver: run this on Windows, or under Wine (make demo)`

func run(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, needsWindows)
	return exitUsage
}
