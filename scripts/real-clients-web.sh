#!/usr/bin/env bash
# real-clients-web.sh: examples/web (net/http handlers served by evhttp)
# driven by real HTTP clients, curl, wrk, ab and h2load --h1, and its
# WebSocket echo (/ws, package evhttp/websocket) by Node.js's ws package,
# natively and as a Windows binary under Wine.
#
# For each target it builds the example, starts it on 127.0.0.1 with a free
# port (port 0: the address it prints), checks with curl the body of /,
# keep-alive (two URLs on one command line share the connection), a chunked
# upload to /echo (-T - with Transfer-Encoding: chunked) echoed whole,
# Expect: 100-continue, HTTP/1.0 (answered, then closed), a 404, and a 400
# for /ws without a WebSocket handshake; runs scripts/node/ws-client.js
# against ws://ADDR/ws (text and binary echoes from 0 B to 1 MiB, messages
# sent in fragments, a rune split between two, ping/pong, a close the
# server answers with the client's code and one the server starts with its
# own); runs wrk, ab -k and h2load --h1 against / and checks that each
# made requests with no failure; and stops the server as
# scripts/real-clients-http.sh does (SIGTERM natively, "web: shut down";
# a kill under Wine).
#
# Usage: scripts/real-clients-web.sh [native|windows|all]   (default all)
# Needs curl, wrk, ab (apache2-utils), h2load (nghttp2-client), node and
# the ws package in $AFD_CACHE/node (version pinned by
# scripts/node/package-lock.json), which scripts/setup.sh installs, and for
# windows the Wine prefix of scripts/setup.sh in $AFD_CACHE (default
# ~/.cache/goafd).
set -euo pipefail

name=web usage_lines=2,26
# shellcheck source=lib/realclients.sh
. "$(dirname "$0")/lib/realclients.sh"
for c in curl wrk ab h2load node; do
	command -v $c >/dev/null || { echo "real-clients-web: $c not found: run scripts/setup.sh" >&2; exit 1; }
done
node_modules=$cache/node/node_modules
[ -f "$node_modules/ws/package.json" ] ||
	{ echo "real-clients-web: no ws package in $node_modules: run scripts/setup.sh" >&2; exit 1; }

# start runs the server (a command line) in the background and sets pid
# and tcp (host:port) from the line it prints.
start() {
	launch "$@" -addr tcp://127.0.0.1:0
	await_address tcp 'web: listening on http://'
}

check_curl() {
	local body code
	body=$(curl -sS --max-time 10 "http://$tcp/") || fail "curl /"
	[ "$body" = "Hello, World!" ] || fail "/: body $body"

	# keep-alive: two URLs, one connection
	curl -sS -v --max-time 10 "http://$tcp/" "http://$tcp/" >"$work/body" 2>"$work/client" || fail "curl two URLs"
	[ "$(cat "$work/body")" = "Hello, World!Hello, World!" ] || fail "two URLs: body $(cat "$work/body")"
	grep -q 'Re-using existing connection' "$work/client" || fail "two URLs: the connection was not reused"

	# a chunked upload, echoed
	head -c 300000 /dev/urandom >"$work/data"
	curl -sS -v --max-time 20 -T - -H 'Transfer-Encoding: chunked' "http://$tcp/echo" <"$work/data" \
		>"$work/echoed" 2>"$work/client" || fail "curl chunked upload"
	grep -qi '> Transfer-Encoding: chunked' "$work/client" || fail "the upload was not chunked"
	cmp -s "$work/data" "$work/echoed" || fail "chunked upload: echo differs ($(wc -c <"$work/echoed") bytes)"

	# Expect: 100-continue
	curl -sS -v --max-time 20 -H 'Expect: 100-continue' --data-binary @"$work/data" "http://$tcp/echo" \
		>"$work/echoed" 2>"$work/client" || fail "curl Expect: 100-continue"
	grep -q '< HTTP/1.1 100 Continue' "$work/client" || fail "no 100 Continue"
	cmp -s "$work/data" "$work/echoed" || fail "100-continue: echo differs"

	# HTTP/1.0: answered, then closed
	curl -sS -v --http1.0 --max-time 10 "http://$tcp/" >"$work/body" 2>"$work/client" || fail "curl --http1.0"
	[ "$(cat "$work/body")" = "Hello, World!" ] || fail "HTTP/1.0: body $(cat "$work/body")"
	grep -qi '< Connection: close' "$work/client" || fail "HTTP/1.0: no Connection: close"

	code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://$tcp/ws") || true
	[ "$code" = 400 ] || fail "/ws without a WebSocket handshake answered $code, want 400"
	code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://$tcp/nothing") || true
	[ "$code" = 404 ] || fail "/nothing answered $code, want 404"
}

check_load() {
	local n rps
	wrk -t2 -c50 -d3s --timeout 5s "http://$tcp/" >"$work/client" 2>&1 || fail "wrk failed"
	n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/client")
	rps=$(sed -n 's/^Requests\/sec: *//p' "$work/client")
	if [ -z "$n" ] || [ "$n" -eq 0 ]; then fail "wrk made no requests"; fi
	grep -q 'Socket errors\|Non-2xx' "$work/client" && fail "wrk: errors"
	echo "real-clients-web: $target: wrk -t2 -c50 -d3s: $n requests, $rps req/s"

	ab -k -q -n 5000 -c 20 "http://$tcp/" >"$work/client" 2>&1 || fail "ab failed"
	grep -q '^Complete requests: *5000$' "$work/client" || fail "ab: not 5000 complete requests"
	grep -q '^Failed requests: *0$' "$work/client" || fail "ab: failed requests"
	grep -q '^Keep-Alive requests: *5000$' "$work/client" || fail "ab: not every request kept alive"
	echo "real-clients-web: $target: ab -k -n 5000 -c 20: $(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$work/client") req/s"

	h2load --h1 -n 5000 -c 20 -m 10 "http://$tcp/" >"$work/client" 2>&1 || fail "h2load failed"
	grep -q 'requests: 5000 total, 5000 started, 5000 done, 5000 succeeded, 0 failed, 0 errored' "$work/client" ||
		fail "h2load: $(grep '^requests:' "$work/client")"
	echo "real-clients-web: $target: h2load --h1 -n 5000 -c 20 -m 10 (pipelined): $(sed -n 's/^finished in [^,]*, \([0-9.]* req\/s\).*/\1/p' "$work/client")"
}

check_ws() {
	NODE_PATH=$node_modules node "$root/scripts/node/ws-client.js" "ws://$tcp/ws" >"$work/client" 2>&1 ||
		fail "ws-client.js failed"
	sed "s/^/real-clients-web: $target: ws: /" "$work/client"
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
	check_curl
	check_ws
	check_load
	stop
	echo "real-clients-web: $target: PASS ($(($(date +%s) - t0)) s)"
done
