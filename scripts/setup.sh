#!/usr/bin/env bash
# scripts/setup.sh: install and prepare what `make test` needs. Idempotent: a
# second run installs nothing and takes well under a second.
#
# On Linux (Debian/Ubuntu) it
#   1. installs the missing Debian packages (Wine, the MinGW cross compiler,
#      gcc for `go test -race`, redis-tools for
#      scripts/real-clients-redis.sh, curl and wrk for
#      scripts/real-clients-http.sh, apache2-utils (ab) and
#      nghttp2-client (h2load), nodejs and npm for
#      scripts/real-clients-web.sh, openssl for scripts/real-clients-tls.sh,
#      plus any extra ones: see below),
#   2. creates a Wine prefix in $AFD_CACHE/wine (wineboot -i, once),
#   3. builds scripts/wine/bcryptprimitives.{c,def} into a DLL and installs it
#      into the prefix's system32 (Go 1.26 binaries need ProcessPrng, which
#      Wine 8.0 lacks),
#   4. installs the go_windows_amd64_exec wrapper into $AFD_CACHE/bin; put
#      that folder on PATH and `GOOS=windows GOARCH=amd64 go test` runs the
#      test binaries under Wine,
#   5. installs the Node.js ws package of scripts/real-clients-web.sh into
#      $AFD_CACHE/node, at the version of scripts/node/package-lock.json
#      (npm ci), when it is missing or the lock file changed.
# On other systems (Windows, macOS: tests run natively) it does nothing.
#
# Usage: scripts/setup.sh [EXTRA_DEBIAN_PACKAGE...]
# Environment:
#   AFD_CACHE         cache folder (default ~/.cache/goafd)
#   AFD_APT_PACKAGES  replaces the default package list
#   AFD_EXTRA_PACKAGES more packages, space separated (as do arguments)
set -euo pipefail

case "$(uname -s)" in
Linux) ;;
*)
	echo "setup: $(uname -s): nothing to set up (no Wine needed, tests run natively)"
	exit 0
	;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${AFD_CACHE:-$HOME/.cache/goafd}
BIN=$CACHE/bin
BUILD=$CACHE/build
LOG=$CACHE/setup.log
export WINEPREFIX=$CACHE/wine
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
READY=$WINEPREFIX/.goafd-ready
SHIM_SRC=$ROOT/scripts/wine
SYS32=$WINEPREFIX/drive_c/windows/system32

DEFAULT_PACKAGES="wine64 wine gcc-mingw-w64-x86-64 gcc libc6-dev redis-tools curl wrk apache2-utils nghttp2-client openssl nodejs npm"
read -r -a PACKAGES <<<"${AFD_APT_PACKAGES:-$DEFAULT_PACKAGES} ${AFD_EXTRA_PACKAGES:-}"
PACKAGES+=("$@")

mkdir -p "$CACHE" "$BIN" "$BUILD"
: >"$LOG"

# fail prints a message and the tail of the log, then exits.
fail() {
	echo "setup: error: $*" >&2
	if [ -s "$LOG" ]; then
		echo "setup: last lines of $LOG:" >&2
		tail -n 20 "$LOG" >&2
	fi
	exit 1
}

# --- 1. Debian packages -----------------------------------------------------
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
	for p in "${PACKAGES[@]}"; do
		[ -n "$p" ] || continue
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		case "$status" in
		ii*) ;;
		*)
			# A nodejs package that brings its own npm (NodeSource's)
			# conflicts with Debian's npm package: npm is missing only
			# if its command is.
			[ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
			missing+=("$p")
			;;
		esac
	done
else
	# Not a Debian system: only check that the commands are there.
	for c in wine wineserver x86_64-w64-mingw32-gcc; do
		command -v "$c" >/dev/null 2>&1 || fail "$c not found and this is not a Debian system: install Wine and the MinGW-w64 cross compiler (x86_64-w64-mingw32-gcc) by hand"
	done
fi

if [ ${#missing[@]} -gt 0 ]; then
	SUDO=()
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
			SUDO=(sudo)
		else
			echo "setup: missing Debian packages: ${missing[*]}" >&2
			echo "setup: run as root (or with sudo):" >&2
			echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
			exit 1
		fi
	fi
	echo "setup: installing ${missing[*]} (about a minute)..."
	export DEBIAN_FRONTEND=noninteractive
	"${SUDO[@]}" apt-get update </dev/null >>"$LOG" 2>&1 || fail "apt-get update failed"
	"${SUDO[@]}" apt-get install -y -o DPkg::Lock::Timeout=300 "${missing[@]}" </dev/null >>"$LOG" 2>&1 ||
		fail "apt-get install ${missing[*]} failed"
fi

if ! command -v go >/dev/null 2>&1; then
	echo "setup: warning: go is not on PATH (Go 1.26 is needed: https://go.dev/dl/)" >&2
fi

# --- 2. Wine prefix ---------------------------------------------------------
if [ ! -f "$READY" ]; then
	if [ -e "$WINEPREFIX" ]; then
		# A prefix without the marker is from an interrupted run: start over.
		echo "setup: removing incomplete Wine prefix $WINEPREFIX"
		wineserver -k </dev/null >/dev/null 2>&1 || true
		rm -rf -- "$WINEPREFIX"
	fi
	echo "setup: creating Wine prefix in $WINEPREFIX (about 15 s)..."
	# Detach stdio: wine's helper processes (wineserver, services.exe, ...)
	# inherit it and would hold our caller's pipes open.
	wine wineboot -i </dev/null >>"$LOG" 2>&1 || fail "wineboot -i failed"
	# Wait for the server to exit so the registry is written out.
	wineserver -w </dev/null >>"$LOG" 2>&1 || true
	[ -d "$SYS32" ] || fail "wineboot did not create $SYS32"
	touch "$READY"
fi

# --- 3. bcryptprimitives.dll shim -------------------------------------------
dll=$BUILD/bcryptprimitives.dll
if [ ! -f "$dll" ] || [ "$SHIM_SRC/bcryptprimitives.c" -nt "$dll" ] || [ "$SHIM_SRC/bcryptprimitives.def" -nt "$dll" ]; then
	echo "setup: building bcryptprimitives.dll shim..."
	x86_64-w64-mingw32-gcc -O2 -Wall -shared -o "$dll.tmp" \
		"$SHIM_SRC/bcryptprimitives.c" "$SHIM_SRC/bcryptprimitives.def" -ladvapi32 >>"$LOG" 2>&1 ||
		fail "building the bcryptprimitives.dll shim failed"
	mv -f "$dll.tmp" "$dll"
fi
if ! cmp -s "$dll" "$SYS32/bcryptprimitives.dll"; then
	echo "setup: installing bcryptprimitives.dll into the Wine prefix"
	cp -f "$dll" "$SYS32/bcryptprimitives.dll"
fi

# --- 4. go_windows_amd64_exec wrapper ---------------------------------------
wrapper=$ROOT/scripts/go_windows_amd64_exec
if ! cmp -s "$wrapper" "$BIN/go_windows_amd64_exec"; then
	echo "setup: installing go_windows_amd64_exec into $BIN"
	cp -f "$wrapper" "$BIN/go_windows_amd64_exec.tmp"
	chmod 755 "$BIN/go_windows_amd64_exec.tmp"
	mv -f "$BIN/go_windows_amd64_exec.tmp" "$BIN/go_windows_amd64_exec"
fi

# --- 5. the Node.js ws package ----------------------------------------------
node_dir=$CACHE/node
if [ ! -f "$node_dir/node_modules/ws/package.json" ] ||
	! cmp -s "$ROOT/scripts/node/package-lock.json" "$node_dir/package-lock.json"; then
	echo "setup: installing the Node.js ws package into $node_dir"
	mkdir -p "$node_dir"
	cp -f "$ROOT/scripts/node/package.json" "$ROOT/scripts/node/package-lock.json" "$node_dir/"
	(cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund </dev/null >>"$LOG" 2>&1) ||
		fail "npm ci in $node_dir failed (see $LOG)"
fi
