#!/usr/bin/env bash
# real-clients-redis.sh: drives examples/redis with the real Redis clients,
# redis-cli and redis-benchmark (Debian's redis-tools, which scripts/setup.sh
# installs), natively and as a Windows binary under Wine.
#
# For each of the two builds it starts the server on 127.0.0.1 with a free
# port (port 0: the server prints the one it got), checks the answers of
# redis-cli to PING, SET/GET, INCR and DEL, runs
# `redis-benchmark -q -n 2000 -c 20 -t set,get,incr,ping` and checks that
# it reports a non-zero rate for every test, then stops the server and
# checks that it is gone.
#
# Usage: scripts/real-clients-redis.sh [native|wine]...  (default: both)
# Run `make setup` first. Exit code 0 if all checks pass.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${AFD_CACHE:-$HOME/.cache/goafd}
export WINEPREFIX="$cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(native wine)
for tool in redis-cli redis-benchmark; do
	command -v "$tool" >/dev/null || { echo "real-clients-redis: $tool not found: run 'make setup'" >&2; exit 1; }
done

work=$(mktemp -d)
pid=
# stop_server kills the server and waits for it. Under Wine a Go program
# does not see SIGTERM, so the wine process is killed outright.
stop_server() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}
trap 'stop_server; rm -rf "$work"' EXIT

failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# check NAME WANT CMD...: runs redis-cli CMD and compares its output.
check() {
	local want=$1 got
	shift
	got=$(timeout 30 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>&1) || true
	if [ "$got" = "$want" ]; then
		echo "  redis-cli $*: $got"
	else
		fail "redis-cli $*: got '$got', want '$want'"
	fi
}

for mode in "${modes[@]}"; do
	start=$(date +%s.%N)
	case $mode in
	native)
		(cd "$root" && go build -o "$work/redis" ./examples/redis)
		"$work/redis" -addr tcp://127.0.0.1:0 </dev/null >"$work/out" 2>"$work/err" &
		pid=$!
		;;
	wine)
		[ -f "$WINEPREFIX/.goafd-ready" ] || { echo "real-clients-redis: run 'make setup' first" >&2; exit 1; }
		(cd "$root" && GOOS=windows GOARCH=amd64 go build -o "$work/redis.exe" ./examples/redis)
		# The wrapper starts the wine server detached and execs wine: $! is
		# the wine process.
		"$root/scripts/go_windows_amd64_exec" "$work/redis.exe" -addr tcp://127.0.0.1:0 \
			</dev/null >"$work/out" 2>"$work/err" &
		pid=$!
		;;
	*) echo "real-clients-redis: unknown mode $mode" >&2; exit 2 ;;
	esac
	port=
	for _ in $(seq 300); do
		port=$(sed -n 's/^redis: listening on tcp:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/out" | tr -d '\r')
		[ -z "$port" ] || break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$port" ]; then
		fail "$mode: the server did not start: $(cat "$work/out" "$work/err")"
		stop_server
		continue
	fi
	echo "== $mode: serving on 127.0.0.1:$port"
	check PONG PING
	check hello PING hello
	check OK SET greeting "hello world"
	check "hello world" GET greeting
	check 1 INCR counter
	check 2 INCR counter
	check "ERR value is not an integer or out of range" INCR greeting
	check 2 DEL greeting counter nokey
	check "" GET greeting
	bench=$(timeout 120 redis-benchmark -h 127.0.0.1 -p "$port" -q -n 2000 -c 20 -t set,get,incr,ping 2>&1 | tr '\r' '\n' |
		grep 'requests per second' || true)
	echo "$bench" | sed 's/^/  /'
	for t in PING_INLINE PING_MBULK SET GET INCR; do
		rate=$(echo "$bench" | sed -n "s/^$t: \([0-9.]*\) requests per second.*/\1/p" | tail -n 1)
		if [ -z "$rate" ] || ! awk -v r="$rate" 'BEGIN { exit !(r > 0) }'; then
			fail "$mode: redis-benchmark $t: no rate"
		fi
	done
	victim=$pid
	stop_server
	if kill -0 "$victim" 2>/dev/null || pgrep -f "$work/redis" >/dev/null; then
		fail "$mode: the server is still running"
	fi
	echo "== $mode: done in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f s", e - s }')"
done
if [ $failed -ne 0 ]; then
	echo "real-clients-redis: FAILED" >&2
	exit 1
fi
echo "real-clients-redis: all checks passed"
