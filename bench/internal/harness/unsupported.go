package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// ExitUnsupported is the exit status of a server started on a system its
// contender does not run on.
const ExitUnsupported = 2

// Unsupported is the main of a server on a system its contender does not
// run on: it says so on stderr and exits with ExitUnsupported.
func Unsupported() {
	fmt.Fprintf(os.Stderr, "%s: not supported on %s\n", filepath.Base(os.Args[0]), runtime.GOOS)
	os.Exit(ExitUnsupported)
}
