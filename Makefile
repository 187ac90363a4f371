# Makefile for github.com/goafd/afd (GNU make).
#
# On Linux the Windows code is built for windows/amd64 and run under Wine:
# scripts/setup.sh installs Wine and prepares a prefix in $(AFD_CACHE), and
# scripts/go_windows_amd64_exec (installed into $(AFD_CACHE)/bin) is picked up
# by `go test`/`go run` when that folder is on PATH. On a Windows host the
# tests simply run natively.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

GO          ?= go
GOFMT       ?= gofmt
TIMEOUT     ?= 15m
GOTESTFLAGS ?=
# Extra Debian packages for setup (e.g. "curl wrk redis-tools").
SETUP_PACKAGES ?=
# Platforms checked by `go vet` (CGO_ENABLED=0 for all but the host's): the
# kqueue backend on every system it builds for, and on 32-bit ones, where a
# kevent's Ident has 32 bits.
VET_PLATFORMS ?= windows/amd64 windows/arm64 linux/amd64 darwin/amd64 darwin/arm64 freebsd/amd64 \
	netbsd/amd64 netbsd/arm openbsd/amd64 openbsd/386
# actionlint checks the GitHub workflows (run from the Go module proxy by `make vet`).
ACTIONLINT ?= github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

AFD_CACHE ?= $(HOME)/.cache/goafd
export AFD_CACHE
WINE_BIN := $(AFD_CACHE)/bin

# HOST: windows (native Windows tests), linux (Windows tests under Wine) or
# other (no Windows tests, e.g. macOS).
ifeq ($(OS),Windows_NT)
HOST := windows
else ifeq ($(shell uname -s),Linux)
HOST := linux
else
HOST := other
endif
HOST_PLATFORM := $(shell $(GO) env GOHOSTOS 2>/dev/null)/$(shell $(GO) env GOHOSTARCH 2>/dev/null)

# Prefix for commands that build and run windows/amd64 binaries under Wine.
WINE_ENV := PATH="$(WINE_BIN):$$PATH" GOOS=windows GOARCH=amd64

# Steps of `make test`, run in this order; all run even if one fails.
TEST_STEPS := vet test-native test-windows test-stress test-clients test-bench fmt-check

# The benchmark module (bench/, separate so that the library depends on
# golang.org/x/sys alone) is vetted and tested with the library.
MODULES := . bench evhttp/websocket/interop

.PHONY: help setup demo test $(TEST_STEPS) bench clean

help:
	@echo "Targets:"
	@echo "  make setup         install Wine + MinGW and prepare the Wine prefix (Linux; idempotent)"
	@echo "  make test          go vet (several platforms), native tests with -race,"
	@echo "                     Windows tests (under Wine on Linux) with checkptr, gofmt check"
	@echo "  make demo          run cmd/afdexplore as a Windows program (under Wine on Linux)"
	@echo "  make bench         afdbench: every contender, natively and as Windows binaries;"
	@echo "                     writes bench/results/ and BENCHMARKS.md (about 25 minutes)"
	@echo "  make clean         stop the prefix's wineserver and delete the Wine prefix"
	@echo "  make vet | test-native | test-windows | test-stress | test-clients | test-bench | fmt-check"
	@echo "                     single steps of 'make test'"
	@echo "Variables: GOTESTFLAGS='-v -run X' TIMEOUT=$(TIMEOUT) AFD_CACHE=$(AFD_CACHE)"
	@echo "           SETUP_PACKAGES='curl wrk'"

setup:
	@bash "$(ROOT)/scripts/setup.sh" $(SETUP_PACKAGES)

demo: setup
ifeq ($(HOST),linux)
	cd "$(ROOT)" && $(WINE_ENV) $(GO) run ./cmd/afdexplore
	cd "$(ROOT)" && $(WINE_ENV) $(GO) run ./cmd/afdexplore -all
else ifeq ($(HOST),windows)
	cd "$(ROOT)" && $(GO) run ./cmd/afdexplore
	cd "$(ROOT)" && $(GO) run ./cmd/afdexplore -all
else
	@echo "demo: needs Windows, or Linux with Wine (host: $(HOST_PLATFORM))" >&2; exit 1
endif

# test runs every step, then fails if any step failed.
test: setup
	@failed=""; \
	for step in $(TEST_STEPS); do \
		$(MAKE) -f "$(ROOT)/Makefile" $$step || failed="$$failed $$step"; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "make test: FAILED:$$failed" >&2; exit 1; \
	fi; \
	echo "make test: all steps passed ($(TEST_STEPS))"

vet:
	@cd "$(ROOT)"; rc=0; \
	for p in $(VET_PLATFORMS); do \
		echo "==> go vet $$p"; \
		if [ "$$p" = "$(HOST_PLATFORM)" ]; then cgo=$$($(GO) env CGO_ENABLED); else cgo=0; fi; \
		for m in $(MODULES); do \
			(cd "$(ROOT)/$$m" && GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=$$cgo $(GO) vet ./...) || rc=1; \
		done; \
	done; \
	echo "==> actionlint .github/workflows"; \
	$(GO) run $(ACTIONLINT) .github/workflows/*.yml || rc=1; \
	exit $$rc

test-native:
ifeq ($(HOST),windows)
	@echo "==> go test (native windows, checkptr)"
	cd "$(ROOT)" && $(GO) test -count=1 -timeout $(TIMEOUT) -gcflags=all=-d=checkptr $(GOTESTFLAGS) ./...
	@echo "==> go test (native windows, checkptr): ./poll again, with DeleteBeforeClose"
	cd "$(ROOT)" && POLL_TEST_DELETE_BEFORE_CLOSE=1 $(GO) test -count=1 -timeout $(TIMEOUT) -gcflags=all=-d=checkptr $(GOTESTFLAGS) ./poll
else
	@echo "==> go test -race ($(HOST_PLATFORM))"
	cd "$(ROOT)" && $(GO) test -race -count=1 -timeout $(TIMEOUT) $(GOTESTFLAGS) ./...
	@echo "==> go test -race ($(HOST_PLATFORM)): evhttp/websocket/interop (gorilla/websocket, coder/websocket)"
	cd "$(ROOT)/evhttp/websocket/interop" && $(GO) test -race -count=1 -timeout $(TIMEOUT) $(GOTESTFLAGS) ./...
endif

test-windows:
ifeq ($(HOST),linux)
	@echo "==> scripts/test-exec.sh (the go test wrapper's exit codes)"
	cd "$(ROOT)" && bash scripts/test-exec.sh
	@echo "==> go test windows/amd64 under Wine (checkptr)"
	cd "$(ROOT)" && $(WINE_ENV) $(GO) test -count=1 -timeout $(TIMEOUT) -gcflags=all=-d=checkptr $(GOTESTFLAGS) ./...
	@echo "==> go test windows/amd64 under Wine (checkptr): evhttp/websocket/interop"
	cd "$(ROOT)/evhttp/websocket/interop" && $(WINE_ENV) $(GO) test -count=1 -timeout $(TIMEOUT) -gcflags=all=-d=checkptr $(GOTESTFLAGS) ./...
	@echo "==> go test windows/amd64 under Wine (checkptr): ./poll again, with DeleteBeforeClose"
	cd "$(ROOT)" && POLL_TEST_DELETE_BEFORE_CLOSE=1 $(WINE_ENV) $(GO) test -count=1 -timeout $(TIMEOUT) -gcflags=all=-d=checkptr $(GOTESTFLAGS) ./poll
else ifeq ($(HOST),windows)
	@echo "==> windows tests: run natively by test-native"
else
	@echo "==> windows tests: skipped (no Wine set-up on $(HOST_PLATFORM); CI runs them on Windows)"
endif

# The packages whose memory the kernel writes into, again with the garbage
# collector running all the time (GOGC=1): natively with -race, and as
# Windows binaries with checkptr.
STRESS_PKGS := . ./iocp ./poll
test-stress:
	@echo "==> GOGC=1 go test -race ($(HOST_PLATFORM)): $(STRESS_PKGS)"
	cd "$(ROOT)" && GOGC=1 $(GO) test -race -count=1 -short -timeout $(TIMEOUT) $(GOTESTFLAGS) $(STRESS_PKGS)
ifeq ($(HOST),linux)
	@echo "==> GOGC=1 go test windows/amd64 under Wine (checkptr): $(STRESS_PKGS)"
	cd "$(ROOT)" && GOGC=1 $(WINE_ENV) $(GO) test -count=1 -short -timeout $(TIMEOUT) -gcflags=all=-d=checkptr $(GOTESTFLAGS) $(STRESS_PKGS)
endif

# The example servers, built natively and as Windows binaries (under Wine),
# driven by real clients: curl and wrk, redis-cli and redis-benchmark, the
# Node.js ws package against examples/web's WebSocket echo, and
# for examples/echo a client of Go's standard library (examples/echo/client);
# then the three with -tls, driven by openssl s_client, curl and redis-cli.
test-clients:
	@echo "==> example servers with real clients"
	cd "$(ROOT)" && bash scripts/real-clients-http.sh
	cd "$(ROOT)" && bash scripts/real-clients-web.sh
	cd "$(ROOT)" && bash scripts/real-clients-redis.sh
	cd "$(ROOT)" && bash scripts/real-clients-echo.sh
	cd "$(ROOT)" && bash scripts/real-clients-tls.sh

# The parts of bench/ that run as Windows programs under Wine: the
# contender servers and their harness (afdbench, the client and the reports
# run on the host).
BENCH_SERVER_PKGS := ./servers/... ./internal/harness/...

# The benchmark module's tests, then afdbench -quick: every contender
# built, started and checked on every workload, briefly. It fails on a
# broken contender, never on timing.
test-bench:
	@echo "==> bench: go test -race ($(HOST_PLATFORM))"
	cd "$(ROOT)/bench" && $(GO) test -race -count=1 -timeout $(TIMEOUT) $(GOTESTFLAGS) ./...
ifeq ($(HOST),linux)
	@echo "==> bench: the servers' tests, windows/amd64 under Wine (checkptr)"
	cd "$(ROOT)/bench" && $(WINE_ENV) $(GO) test -count=1 -timeout $(TIMEOUT) -gcflags=all=-d=checkptr $(GOTESTFLAGS) $(BENCH_SERVER_PKGS)
endif
	@echo "==> afdbench -quick"
	cd "$(ROOT)/bench" && $(GO) run ./cmd/afdbench -quick -cache "$(AFD_CACHE)"

fmt-check:
	@echo "==> gofmt -l"
	@cd "$(ROOT)"; files=$$($(GOFMT) -l .); \
	if [ -n "$$files" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):" >&2; \
		echo "$$files" >&2; exit 1; \
	fi

# The comparison of issue-grade record: every contender on every workload,
# natively and (on Linux) as Windows binaries under Wine, about 25 minutes.
# Writes bench/results/ (CSV, JSON, SVG plots) and regenerates BENCHMARKS.md,
# keeping its hand-written analysis. BENCHFLAGS passes afdbench flags, e.g.
# BENCHFLAGS='-platforms linux -workloads echo'; with
# BENCHFLAGS='-workloads tls-echo,http-hello -merge results/results.json'
# the tables of the other workloads are kept from the earlier run.
BENCHFLAGS ?=
bench: setup
	cd "$(ROOT)/bench" && $(GO) run ./cmd/afdbench -cache "$(AFD_CACHE)" $(BENCHFLAGS)

clean:
ifeq ($(HOST),linux)
	@prefix="$(AFD_CACHE)/wine"; \
	case "$$prefix" in \
	/*/wine) ;; \
	*) echo "clean: refusing to remove '$$prefix'" >&2; exit 1 ;; \
	esac; \
	if [ -f "$$prefix/.goafd-ready" ] || [ -f "$$prefix/system.reg" ]; then \
		if command -v wineserver >/dev/null 2>&1; then \
			WINEPREFIX="$$prefix" wineserver -k </dev/null >/dev/null 2>&1 || true; \
			WINEPREFIX="$$prefix" wineserver -w </dev/null >/dev/null 2>&1 || true; \
		fi; \
		echo "clean: removing $$prefix and $(AFD_CACHE)/build"; \
		rm -rf -- "$$prefix" "$(AFD_CACHE)/build" "$(AFD_CACHE)/wine.lock"; \
	elif [ -e "$$prefix" ]; then \
		echo "clean: $$prefix does not look like a Wine prefix: remove it by hand" >&2; exit 1; \
	else \
		echo "clean: nothing to remove"; \
	fi
else
	@echo "clean: nothing to clean on $(HOST_PLATFORM)"
endif
