#!/usr/bin/env bash
# real-clients-ws.sh: the WebSocket echo of examples/web (/ws, package
# evhttp/websocket) driven by Node.js's ws package, natively and as a
# Windows binary under Wine.
#
# For each target it builds the example, starts it on 127.0.0.1 with a free
# port (port 0: the address it prints), runs scripts/node/ws-client.js
# against ws://ADDR/ws (text and binary echoes from 0 B to 1 MiB, text and
# binary messages sent in fragments, a rune split between two, ping/pong,
# a close the server answers with the client's code and one the server
# starts with its own), and stops the server as
# scripts/real-clients-web.sh does.
#
# Usage: scripts/real-clients-ws.sh [native|windows|all]   (default all)
# Needs node, and the ws package that scripts/setup.sh installs into
# $AFD_CACHE/node (version pinned by scripts/node/package-lock.json); for
# windows, the Wine prefix of scripts/setup.sh in $AFD_CACHE (default
# ~/.cache/goafd).
set -euo pipefail

name=ws usage_lines=2,18
# shellcheck source=lib/realclients.sh
. "$(dirname "$0")/lib/realclients.sh"
command -v node >/dev/null || { echo "real-clients-ws: node not found: run scripts/setup.sh" >&2; exit 1; }
node_modules=$cache/node/node_modules
[ -f "$node_modules/ws/package.json" ] ||
	{ echo "real-clients-ws: no ws package in $node_modules: run scripts/setup.sh" >&2; exit 1; }

# start runs the server (a command line) in the background and sets pid
# and tcp (host:port) from the line it prints.
start() {
	"$@" -addr tcp://127.0.0.1:0 </dev/null >"$work/out" 2>"$work/err" &
	pid=$!
	tcp=
	for _ in $(seq 300); do
		tcp=$(sed -n 's|^web: listening on http://||p' "$work/out")
		[ -n "$tcp" ] && return
		kill -0 "$pid" 2>/dev/null || fail "the server exited"
		sleep 0.1
	done
	fail "no address printed in 30 s"
}

for target in $targets; do
	t0=$(date +%s)
	case $target in
	native)
		(cd "$root" && go build -o "$work/web" ./examples/web)
		start "$work/web"
		;;
	windows)
		prepare_windows
		(cd "$root" && GOOS=windows GOARCH=amd64 go build -o "$work/web.exe" ./examples/web)
		start go_windows_amd64_exec "$work/web.exe"
		;;
	esac
	NODE_PATH=$node_modules node "$root/scripts/node/ws-client.js" "ws://$tcp/ws" >"$work/client" 2>&1 ||
		fail "ws-client.js failed"
	sed "s/^/real-clients-ws: $target: /" "$work/client"
	stop web
	echo "real-clients-ws: $target: PASS ($(($(date +%s) - t0)) s)"
done
