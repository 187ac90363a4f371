package main

import (
	"testing"

	"github.com/goafd/afd/bench/internal/harness/harnesstest"
)

func TestMain(m *testing.M) { harnesstest.Main(m, main) }

func TestProtocol(t *testing.T) { harnesstest.Check(t, "select") }
