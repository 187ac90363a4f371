#!/usr/bin/env bash
# test-exec.sh: tests of go_windows_amd64_exec's exit codes, with a fake
# wine and wineserver on PATH (no Wine needed): a test binary that printed
# PASS and was then killed by SIGKILL, as Wine's server kills a process whose
# exit is slow, passes; every other failure stays one.
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
# check NAME BODY WANT: a program NAME whose script is BODY must exit WANT.
check() {
	local name=$1 body=$2 want=$3 rc=0
	printf '%s\n' "$body" >"$work/$name"
	(PATH="$work/bin:$PATH" AFD_CACHE="$work/cache" go_windows_amd64_exec "$work/$name") >/dev/null 2>&1 || rc=$?
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
if [ "$failed" -ne 0 ]; then
	exit 1
fi
echo "test-exec: 8 passed, 0 failed"
