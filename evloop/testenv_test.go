package evloop

import "github.com/goafd/afd/internal/testenv"

// underWine reports whether the tests run under Wine.
var underWine = testenv.UnderWine

// openHandles counts the process's open handles (file descriptors on
// Linux), for leak checks; false where they cannot be counted.
var openHandles = testenv.HandleCount
