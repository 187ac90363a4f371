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

name=echo usage_lines=2,17
# shellcheck source=lib/realclients.sh
. "$(dirname "$0")/lib/realclients.sh"

# start runs the server (a command line) in the background and sets pid,
# tcp and udp (host:port) from the lines it prints.
start() {
	launch "$@" -tcp tcp://127.0.0.1:0 -udp udp://127.0.0.1:0
	await_address tcp 'echo: listening on tcp://'
	await_address udp 'echo: listening on udp://'
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
		prepare_windows
		(cd "$root" && GOOS=windows GOARCH=amd64 go build -o "$work/echo.exe" ./examples/echo)
		start go_windows_amd64_exec "$work/echo.exe"
		;;
	esac
	check_client
	stop
	echo "real-clients-echo: $target: PASS ($(($(date +%s) - t0)) s)"
done
