#!/usr/bin/env bash
# real-clients-echo.sh: examples/echo driven by a client of Go's standard
# library (examples/echo/client, built for Linux), natively and as a
# Windows binary under Wine.
#
# For each target it builds the example, starts it on 127.0.0.1 with free
# TCP and UDP ports (port 0: the addresses it prints), runs the client
# (TCP messages of 1 byte to 1 MiB and UDP datagrams of 1 byte to 8 KiB
# over 20 connections and 20 sockets, every byte checked, the whole run
# bounded by 20 s), and stops the server: SIGTERM natively (a graceful
# shutdown, "echo: shut down"); under Wine, where Go does not see
# SIGTERM, the wine process is killed and waited for. A wine server that
# this script started is stopped at the end.
#
# Usage: scripts/real-clients-echo.sh [native|windows|all]   (default all)
# Needs Go and, for windows, the Wine prefix of scripts/setup.sh in
# $AFD_CACHE (default ~/.cache/goafd).
set -euo pipefail

targets=${1:-all}
case $targets in
all) targets="native windows" ;;
native | windows) ;;
*) sed -n 2,17p "$0" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${AFD_CACHE:-$HOME/.cache/goafd}
export AFD_CACHE=$cache PATH="$cache/bin:$PATH"
export WINEPREFIX="$cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
work=$(mktemp -d)
pid=
ws_started=

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "$ws_started" ]; then
		wineserver -k >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "real-clients-echo: FAIL ($target): $*" >&2
	for f in "$work"/out "$work"/err "$work"/client; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

# wineserver_running reports whether the prefix's wine server is up: a
# wineserver process whose working folder is server-DEV-INODE (of the
# prefix, in hex).
wineserver_running() {
	local dev ino p
	read -r dev ino < <(stat -c '%d %i' "$WINEPREFIX")
	local dir
	dir=$(printf 'server-%x-%x' "$dev" "$ino")
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in
		wineserver*) [[ $(readlink "$p/cwd" 2>/dev/null) == */"$dir" ]] && return 0 ;;
		esac
	done
	return 1
}

# start runs the server (a command line) in the background and sets pid,
# tcp and udp (host:port) from the lines it prints.
start() {
	"$@" -tcp tcp://127.0.0.1:0 -udp udp://127.0.0.1:0 </dev/null >"$work/out" 2>"$work/err" &
	pid=$!
	tcp= udp=
	for _ in $(seq 300); do
		tcp=$(sed -n 's|^echo: listening on tcp://||p' "$work/out")
		udp=$(sed -n 's|^echo: listening on udp://||p' "$work/out")
		[ -n "$tcp" ] && [ -n "$udp" ] && return
		kill -0 "$pid" 2>/dev/null || fail "the server exited"
		sleep 0.1
	done
	fail "no addresses printed in 30 s"
}

# serving reports whether something accepts TCP connections on tcp.
serving() {
	(exec 3<>"/dev/tcp/${tcp%:*}/${tcp##*:}") 2>/dev/null
}

# stop stops the server: SIGTERM and a graceful shutdown natively, a kill
# of the wine process under Wine. Either way it is waited for.
stop() {
	kill -TERM "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		[ "$target" = native ] && fail "still running 10 s after SIGTERM"
		kill -KILL "$pid"
	fi
	local rc=0
	wait "$pid" || rc=$?
	pid=
	if [ "$target" = native ]; then
		[ $rc = 0 ] || fail "exit code $rc after SIGTERM"
		grep -qx 'echo: shut down' "$work/out" || fail "no 'echo: shut down' line"
	fi
	if serving; then
		fail "still serving after stop"
	fi
}

check_client() {
	"$work/echo-client" -tcp "$tcp" -udp "$udp" -conns 20 -rounds 2 -timeout 20s >"$work/client" 2>&1 ||
		fail "the client failed"
	sed "s/^echo client:/real-clients-echo: $target:/" "$work/client"
}

(cd "$root" && go build -o "$work/echo-client" ./examples/echo/client)
for target in $targets; do
	t0=$(date +%s)
	case $target in
	native)
		(cd "$root" && go build -o "$work/echo" ./examples/echo)
		start "$work/echo"
		;;
	windows)
		[ -f "$WINEPREFIX/.goafd-ready" ] || fail "no Wine prefix in $WINEPREFIX: run scripts/setup.sh"
		(cd "$root" && GOOS=windows GOARCH=amd64 go build -o "$work/echo.exe" ./examples/echo)
		wineserver_running || ws_started=1
		start go_windows_amd64_exec "$work/echo.exe"
		;;
	esac
	check_client
	stop
	echo "real-clients-echo: $target: PASS ($(($(date +%s) - t0)) s)"
done
