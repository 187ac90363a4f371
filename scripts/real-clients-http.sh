#!/usr/bin/env bash
# real-clients-http.sh: examples/http driven by real HTTP clients, curl and
# wrk, natively and as a Windows binary under Wine.
#
# For each target it builds the example, starts it on 127.0.0.1 with a free
# port (port 0: the address it prints), checks with curl the status, the
# headers and the body, keep-alive (two URLs on one curl command line share
# the connection), HTTP/1.0 and a malformed request (400), runs
# `wrk -t2 -c50 -d3s` and checks that it made requests without socket
# errors or non-2xx answers, and stops the server: SIGTERM natively (a
# graceful shutdown, "http: shut down"); under Wine, where Go does not see
# SIGTERM, the wine process is killed and waited for. A wine server that
# this script started is stopped at the end.
#
# Usage: scripts/real-clients-http.sh [native|windows|all]   (default all)
# Needs curl and wrk (scripts/setup.sh installs them) and, for windows,
# the Wine prefix of scripts/setup.sh in $AFD_CACHE (default ~/.cache/goafd).
set -euo pipefail

name=http usage_lines=2,17
# shellcheck source=lib/realclients.sh
. "$(dirname "$0")/lib/realclients.sh"
for c in curl wrk; do
	command -v $c >/dev/null || { echo "real-clients-http: $c not found: run scripts/setup.sh" >&2; exit 1; }
done

# start runs the server (a command line) in the background and sets pid
# and tcp (host:port) from the line it prints.
start() {
	launch "$@" -addr tcp://127.0.0.1:0
	await_address tcp 'http: listening on tcp://'
}

check_curl() {
	local url="http://$tcp/hello"
	curl -sS --max-time 10 -D "$work/hdr" -o "$work/body" "$url" || fail "curl $url"
	tr -d '\r' <"$work/hdr" >"$work/hdr.txt"
	grep -qx 'HTTP/1.1 200 OK' "$work/hdr.txt" || fail "status: $(head -1 "$work/hdr.txt")"
	grep -qix 'Content-Length: 13' "$work/hdr.txt" || fail "no Content-Length: 13"
	grep -qi '^Content-Type: text/plain' "$work/hdr.txt" || fail "no Content-Type"
	[ "$(cat "$work/body")" = "Hello, World!" ] || fail "body $(cat "$work/body")"

	# keep-alive: two URLs, one connection
	curl -sS -v --max-time 10 "http://$tcp/1" "http://$tcp/2" >"$work/body" 2>"$work/verbose" || fail "curl two URLs"
	[ "$(cat "$work/body")" = "Hello, World!Hello, World!" ] || fail "two URLs: body $(cat "$work/body")"
	grep -q 'Re-using existing connection' "$work/verbose" || fail "two URLs: the connection was not reused"
	[ "$(grep -c '^\* Connected to' "$work/verbose")" = 1 ] || fail "two URLs: more than one connection"

	# HTTP/1.0: answered, then closed
	curl -sS -v --http1.0 --max-time 10 "http://$tcp/" >"$work/body" 2>"$work/verbose" || fail "curl --http1.0"
	[ "$(cat "$work/body")" = "Hello, World!" ] || fail "HTTP/1.0: body $(cat "$work/body")"
	grep -qi '< Connection: close' "$work/verbose" || fail "HTTP/1.0: no Connection: close"

	# a malformed request: 400
	local code
	code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: gzip' "http://$tcp/") || true
	[ "$code" = 400 ] || fail "Transfer-Encoding: gzip answered $code, want 400"
}

check_wrk() {
	wrk -t2 -c50 -d3s --timeout 5s "http://$tcp/" >"$work/wrk" 2>&1 || fail "wrk failed: $(cat "$work/wrk")"
	local n rps
	n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/wrk")
	rps=$(sed -n 's/^Requests\/sec: *//p' "$work/wrk")
	if [ -z "$n" ] || [ "$n" -eq 0 ]; then fail "wrk made no requests: $(cat "$work/wrk")"; fi
	grep -q 'Socket errors' "$work/wrk" && fail "wrk: $(grep 'Socket errors' "$work/wrk")"
	grep -q 'Non-2xx' "$work/wrk" && fail "wrk: $(grep 'Non-2xx' "$work/wrk")"
	echo "real-clients-http: $target: wrk -t2 -c50 -d3s: $n requests, $rps req/s"
}

for target in $targets; do
	t0=$(date +%s)
	case $target in
	native)
		(cd "$root" && go build -o "$work/http" ./examples/http)
		start "$work/http"
		;;
	windows)
		prepare_windows
		(cd "$root" && GOOS=windows GOARCH=amd64 go build -o "$work/http.exe" ./examples/http)
		start go_windows_amd64_exec "$work/http.exe"
		;;
	esac
	check_curl
	check_wrk
	stop
	echo "real-clients-http: $target: PASS ($(($(date +%s) - t0)) s)"
done
