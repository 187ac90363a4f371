# realclients.sh: what the scripts/real-clients-*.sh scripts share,
# sourced by them after they set `name` (the example: http, echo, web,
# tls) and `usage_lines` (the lines of their header comment that `sed -n`
# prints as usage).
#
# It reads the targets (native, windows or all) from the arguments into
# `targets`, sets up the environment of the Wine prefix of
# scripts/setup.sh ($AFD_CACHE, default ~/.cache/goafd) and a work folder,
# and defines fail, wineserver_running, prepare_windows, launch,
# await_address, serving and stop. A script keeps the server's pid in
# `pid` and its TCP address (host:port) in `tcp`; the server prints its
# addresses and "NAME: shut down" after a graceful shutdown into
# "$work/out".

targets=${1:-all}
case $targets in
all) targets="native windows" ;;
native | windows) ;;
*) sed -n "${usage_lines}p" "$0" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${AFD_CACHE:-$HOME/.cache/goafd}
export AFD_CACHE=$cache PATH="$cache/bin:$PATH"
export WINEPREFIX="$cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
work=$(mktemp -d)
pid=
tcp=
target=
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

# fail reports a failure of the current target with the tails of the
# server's output and of what the clients wrote, and exits.
fail() {
	echo "real-clients-$name: FAIL ($target): $*" >&2
	local f
	for f in "$work"/out "$work"/err "$work"/client; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

# wineserver_running reports whether the prefix's wine server is up: a
# wineserver process whose working folder is server-DEV-INODE (of the
# prefix, in hex).
wineserver_running() {
	local dev ino p dir
	read -r dev ino < <(stat -c '%d %i' "$WINEPREFIX")
	dir=$(printf 'server-%x-%x' "$dev" "$ino")
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in
		wineserver*) [[ $(readlink "$p/cwd" 2>/dev/null) == */"$dir" ]] && return 0 ;;
		esac
	done
	return 1
}

# prepare_windows checks the Wine prefix and notes whether the wine server
# is to be stopped at the end (when this script starts it).
prepare_windows() {
	[ -f "$WINEPREFIX/.goafd-ready" ] || fail "no Wine prefix in $WINEPREFIX: run scripts/setup.sh"
	wineserver_running || ws_started=1
}

# launch runs the server command "$@" in the background, its output in
# "$work/out" and "$work/err", its pid in pid.
launch() {
	"$@" </dev/null >"$work/out" 2>"$work/err" &
	pid=$!
}

# await_address waits up to 30 s for the server's line PREFIX<address>
# (PREFIX such as "web: listening on http://") and sets the variable
# named VAR to the address. Usage: await_address VAR PREFIX.
await_address() {
	local var=$1 prefix=$2 a
	for _ in $(seq 300); do
		a=$(sed -n "s|^$prefix||p" "$work/out" | tr -d '\r' | head -n 1)
		if [ -n "$a" ]; then
			printf -v "$var" '%s' "$a"
			return
		fi
		kill -0 "$pid" 2>/dev/null || fail "the server exited"
		sleep 0.1
	done
	fail "no line '$prefix...' printed in 30 s"
}

# serving reports whether something accepts TCP connections on tcp.
serving() {
	(exec 3<>"/dev/tcp/${tcp%:*}/${tcp##*:}") 2>/dev/null
}

# stop stops the server: SIGTERM and a graceful shutdown natively, a kill
# of the wine process under Wine (where Go does not see SIGTERM). Either
# way it is waited for, and nothing may accept connections afterwards.
# Its argument is the server's name in its "NAME: shut down" line, if not
# $name.
stop() {
	local server=${1:-$name}
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
		grep -qx "$server: shut down" "$work/out" || fail "no '$server: shut down' line"
	fi
	if serving; then
		fail "still serving after stop"
	fi
}
