package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0 // everything as on Windows
	exitDiff  = 1 // a scenario or the walk-through differed from Windows
	exitUsage = 2 // bad flags, or not on Windows
)
