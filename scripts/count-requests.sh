#!/usr/bin/env bash
# count-requests.sh: wine-server requests per event of a Windows program.
#
# Under Wine every Windows system call is a request to the wine server, so
# the number of requests per event is a cost that machine noise cannot
# move. This script builds the program as a Windows binary, runs it twice
# (N1 and N2 events) under a wine server started with request tracing, and
# prints (requests(N2) - requests(N1)) / (N2 - N1): start-up cost cancels.
#
# Usage: [BY_NAME=1] scripts/count-requests.sh [-n1 N] [-n2 N] PACKAGE [ARGS...]
#   e.g. scripts/count-requests.sh ./cmd/afdping -mode level
# The program must take -n EVENTS. BY_NAME=1 also prints the requests per
# event of each kind. Run `make setup` first.
set -euo pipefail
n1=2000
n2=6000
while [ $# -gt 0 ]; do
	case $1 in
	-n1) n1=$2; shift 2 ;;
	-n2) n2=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { sed -n 2,13p "$0" >&2; exit 2; }
pkg=$1
shift

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${AFD_CACHE:-$HOME/.cache/goafd}
export WINEPREFIX="$cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
[ -f "$WINEPREFIX/.goafd-ready" ] || { echo "count-requests: run 'make setup' first" >&2; exit 1; }

work=$(mktemp -d)
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
(cd "$root" && GOOS=windows GOARCH=amd64 go build -o "$work/prog.exe" "$pkg")

# count N: runs the program for N events under a fresh tracing server and
# prints the number of requests it made.
count() {
	local n=$1
	shift
	wineserver -k >/dev/null 2>&1 || true
	wineserver -w >/dev/null 2>&1 || true
	wineserver -d1 -f -p 5 </dev/null >/dev/null 2>"$work/trace.$n" &
	local server=$!
	sleep 0.5
	wine "$work/prog.exe" -n "$n" "$@" </dev/null >"$work/out.$n" 2>&1
	wineserver -k >/dev/null 2>&1 || true
	wait "$server" 2>/dev/null || true
	# One line per request ("0123: name( ... )"); replies ("name() = ...")
	# are not counted.
	grep -cE '^[0-9a-f]+: [a-z_]+\( ' "$work/trace.$n"
	if [ -n "${BY_NAME:-}" ]; then
		grep -oE '^[0-9a-f]+: [a-z_]+\( ' "$work/trace.$n" | sed -E 's/^[0-9a-f]+: //; s/\( $//' |
			sort | uniq -c >"$work/names.$n"
	fi
}

shift_args=("$@")
c1=$(count "$n1" "${shift_args[@]}")
c2=$(count "$n2" "${shift_args[@]}")
echo "$pkg ${shift_args[*]}: $c1 requests for $n1 events, $c2 for $n2"
awk -v a="$c1" -v b="$c2" -v n1="$n1" -v n2="$n2" \
	'BEGIN { printf "requests per event: %.2f\n", (b - a) / (n2 - n1) }'
if [ -n "${BY_NAME:-}" ]; then
	# Per request name, the difference per event, largest first.
	awk -v n1="$n1" -v n2="$n2" '
		FNR == NR { a[$2] = $1; next }
		{ d = ($1 - a[$2]) / (n2 - n1); if (d >= 0.05 || d <= -0.05) printf "  %6.2f %s\n", d, $2 }
	' "$work/names.$n1" "$work/names.$n2" | sort -rn
fi
