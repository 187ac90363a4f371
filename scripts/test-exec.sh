#!/usr/bin/env bash
# test-exec.sh: tests of go_windows_amd64_exec's exit codes, with a fake
# wine and wineserver on PATH (no Wine needed): a test binary that printed
# PASS and was then killed by SIGKILL, as Wine's server kills a process whose
# exit is slow, passes; every other failure stays one; a binary whose Wine
# server dies under it fails at once instead of hanging.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/cache/wine/drive_c/windows/system32"
touch "$work/cache/wine/.goafd-ready" "$work/cache/wine/drive_c/windows/system32/bcryptprimitives.dll"
cp "$root/scripts/go_windows_amd64_exec" "$work/bin/"
# The fake wine runs its "binary" as a shell script; the fake wineserver
# says a server is running.
printf '#!/usr/bin/env bash\nexec bash "$@"\n' >"$work/bin/wine"
printf '#!/bin/sh\nexit 2\n' >"$work/bin/wineserver"
chmod +x "$work/bin/"*

failed=0
# The shell reports the kills the checks expect on its standard error.
exec 3>&2 2>/dev/null
# check NAME BODY WANT [INPUT]: a program NAME whose script is BODY, given
# INPUT on its standard input, must exit WANT.
check() {
	local name=$1 body=$2 want=$3 input=${4:-} rc=0
	printf '%s\n' "$body" >"$work/$name"
	(PATH="$work/bin:$PATH" AFD_CACHE="$work/cache" go_windows_amd64_exec "$work/$name") <<<"$input" >/dev/null 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "test-exec: FAIL: $name (${body//$'\n'/; }): exit $rc, want $want"
		failed=1
	fi
}
check pkg.test.exe $'echo "=== RUN TestX"\necho PASS\nkill -9 $$' 0
check pkg.test.exe $'echo PASS\nexit 0' 0
check pkg.test.exe $'echo FAIL\nkill -9 $$' 137
check pkg.test.exe $'echo PASS; echo more\nkill -9 $$' 137
check pkg.test.exe $'echo FAIL\nexit 1' 1
check pkg.test.exe $'printf "\\026PASS\\n"\nkill -9 $$' 0
check prog.exe $'echo PASS\nkill -9 $$' 137
check prog.exe $'exit 3' 3

# A fake wine server: a process named wineserver-fake whose working folder
# is server-DEV-INODE of the prefix, as the wrapper looks for it.
read -r dev ino < <(stat -L -c '%d %i' "$work/cache/wine")
srv=$work/srv/$(printf 'server-%x-%x' "$dev" "$ino")
mkdir -p "$srv"
cp "$(command -v sleep)" "$work/bin/wineserver-fake"
server=
trap 'kill -KILL $server 2>/dev/null || true; rm -rf "$work"' EXIT
# start_server starts a fake server, its pid in $server.
start_server() {
	(cd "$srv" && exec "$work/bin/wineserver-fake" 600) </dev/null >/dev/null 2>&1 &
	server=$!
	for _ in $(seq 50); do
		[[ $(readlink "/proc/$server/cwd" 2>/dev/null) == "$srv" ]] && return
		sleep 0.1
	done
}
start_server
# With the server up, the binary runs as before, standard input included.
check pkg.test.exe $'read -r x && [ "$x" = hello ] && echo PASS' 0 hello
check pkg.test.exe $'echo PASS\nkill -9 $$' 0
check prog.exe $'exit 3' 3
# A program is the wrapper's process (exec): whoever started it can stop it.
printf 'echo $$ >"%s"\n' "$work/pid" >"$work/prog.exe"
PATH="$work/bin:$PATH" AFD_CACHE="$work/cache" go_windows_amd64_exec "$work/prog.exe" &
wrapper=$!
wait "$wrapper"
if [ "$(cat "$work/pid")" != "$wrapper" ]; then
	echo "test-exec: FAIL: prog.exe ran as pid $(cat "$work/pid"), not as the wrapper's $wrapper"
	failed=1
fi
# A wrapper killed while its binary runs (go test at its timeout) leaves
# no process of its own behind: of what it started, only the binary.
descendants() {
	local f s ppid p
	for f in /proc/[0-9]*/stat; do
		read -r s <"$f" 2>/dev/null || continue
		read -r _ ppid _ <<<"${s##*) }"
		[ "$ppid" = "$1" ] || continue
		p=${f#/proc/}
		p=${p%/stat}
		echo "$p"
		descendants "$p"
	done
}
printf 'echo $$ >"%s"\nexec sleep 30\n' "$work/pid" >"$work/pkg.test.exe"
rm -f "$work/pid"
PATH="$work/bin:$PATH" AFD_CACHE="$work/cache" go_windows_amd64_exec "$work/pkg.test.exe" >/dev/null 2>&1 &
wrapper=$!
for _ in $(seq 50); do
	[ -s "$work/pid" ] && break
	sleep 0.1
done
started=$(descendants "$wrapper")
kill -KILL "$wrapper" "$(cat "$work/pid")"
wait "$wrapper" 2>/dev/null || true
sleep 1.5
left=
for p in $started; do
	if [ "$p" != "$(cat "$work/pid")" ] && read -r s <"/proc/$p/stat" 2>/dev/null && [[ ${s##*) } != Z* ]]; then
		left="$left $p"
	fi
done
if [ -n "$left" ]; then
	echo "test-exec: FAIL: a killed wrapper left processes:$left"
	kill -KILL $left 2>/dev/null || true
	failed=1
fi
# A test binary that fails without any output never ran (Wine did not
# start it): it is started once more. One that printed is not.
runs=$work/runs
check pkg.test.exe "echo x >>$runs; [ \$(wc -l <$runs) -ge 2 ] || exit 1; echo PASS" 0
check pkg.test.exe "echo x >>$runs.2; exit 1" 1
check pkg.test.exe "echo x >>$runs.3; echo FAIL; exit 1" 1
if [ "$(wc -l <"$runs.2")" != 2 ] || [ "$(wc -l <"$runs.3")" != 1 ]; then
	echo "test-exec: FAIL: silent failures ran $(wc -l <"$runs.2") times (want 2), failures with output $(wc -l <"$runs.3") (want 1)"
	failed=1
fi
# The server dies while the binary waits on it: the wrapper kills the
# binary and fails (125) within seconds, not after the binary's 600 s.
start=$SECONDS
check pkg.test.exe "kill -KILL $server; sleep 600; echo PASS" 125
if [ $((SECONDS - start)) -gt 20 ]; then
	echo "test-exec: FAIL: the wrapper took $((SECONDS - start)) s to stop a binary whose server died"
	failed=1
fi
# The server dies and the binary exits 0 at once, as a Wine process whose
# threads all lose the server does (after the server is gone): that is no
# pass.
start_server
check pkg.test.exe "echo '=== RUN TestX'; kill -KILL $server
while [ -e /proc/$server ] && ! grep -q ') Z' /proc/$server/stat; do sleep 0.05; done
exit 0" 125
if [ "$failed" -ne 0 ]; then
	exit 1
fi
echo "test-exec: 19 passed, 0 failed"
