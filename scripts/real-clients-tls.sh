#!/usr/bin/env bash
# real-clients-tls.sh: the TLS of evloop (ListenTLS) driven by real TLS
# clients, openssl s_client, curl, wrk and redis-cli --tls, against the
# examples run with -tls, natively and as Windows binaries under Wine.
#
# For each target: examples/http with a certificate made here by openssl
# (-cert, -key): curl --cacert gets "Hello, World!" over HTTPS; s_client
# verifies the certificate and negotiates ALPN http/1.1; s_client
# resumes a session (-sess_out, then -sess_in: "Reused") with TLS 1.2
# and with TLS 1.3. examples/echo with -tls alone (a self-signed
# certificate made at start): s_client sees that certificate (CN
# localhost) and gets its line echoed. examples/redis with -tls:
# redis-cli --tls answers PING and SET/GET. examples/web (evhttp over
# ListenTLS) with the certificate of -cert and -key: curl --cacert gets
# / and has 1 MiB echoed by /echo (an upload of known length, and a
# chunked one); wrk -t2 -c20 -d3s on https:// makes requests without
# socket errors or non-2xx answers. Each server is stopped as in
# scripts/real-clients-echo.sh (a graceful shutdown natively).
#
# Usage: scripts/real-clients-tls.sh [native|windows|all]   (default all)
# Needs Go, openssl, curl, wrk and redis-cli (scripts/setup.sh installs them)
# and, for windows, the Wine prefix of scripts/setup.sh in $AFD_CACHE.
set -euo pipefail

name=tls usage_lines=2,22
# shellcheck source=lib/realclients.sh
. "$(dirname "$0")/lib/realclients.sh"

for tool in openssl curl wrk redis-cli; do
	command -v "$tool" >/dev/null || { echo "real-clients-tls: $tool not found: run scripts/setup.sh" >&2; exit 1; }
done

# start SERVER CMD...: runs the example SERVER (a command line, with its
# flags) in the background and sets pid and tcp from the line it prints.
start() {
	local server=$1
	shift
	launch "$@" # run_X execs the server: $! is its pid
	await_address tcp "$server: listening on tcp://"
}

# sclient ARGS...: openssl s_client to the server with a request of
# HTTP/1.0 (the server closes after its answer), output in $work/client.
sclient() {
	printf 'GET / HTTP/1.0\r\n\r\n' |
		timeout 30 openssl s_client -connect "$tcp" -ign_eof "$@" >"$work/client" 2>&1 ||
		fail "openssl s_client $* failed"
}

# expect WHAT PATTERN: the client's output has a line matching PATTERN.
expect() {
	grep -qE "$2" "$work/client" || fail "$1: no line matching '$2'"
	echo "real-clients-tls: $target: $1: $(grep -m1 -E "$2" "$work/client" | tr -d '\r')"
}

# The certificate of -cert and -key, for 127.0.0.1 and localhost.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=real-clients-tls -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || fail "openssl req failed"

for target in $targets; do
	t0=$(date +%s)
	case $target in
	native)
		for ex in http echo redis web; do
			(cd "$root" && go build -o "$work/$ex" "./examples/$ex")
			eval "run_$ex() { exec \"$work/$ex\" \"\$@\"; }"
		done
		;;
	windows)
		prepare_windows
		for ex in http echo redis web; do
			(cd "$root" && GOOS=windows GOARCH=amd64 go build -o "$work/$ex.exe" "./examples/$ex")
			eval "run_$ex() { exec go_windows_amd64_exec \"$work/$ex.exe\" \"\$@\"; }"
		done
		;;
	esac

	# HTTPS with a certificate of our own.
	start http run_http -addr tcp://127.0.0.1:0 -tls -cert "$work/cert.pem" -key "$work/key.pem"
	got=$(timeout 30 curl -sS --cacert "$work/cert.pem" "https://$tcp/" 2>&1) || fail "curl: $got"
	[ "$got" = "Hello, World!" ] || fail "curl: got '$got'"
	got=$(timeout 30 curl -sS --cacert "$work/cert.pem" -w ' %{http_version}' "https://localhost:${tcp##*:}/" 2>&1) ||
		fail "curl localhost: $got"
	[ "$got" = "Hello, World! 1.1" ] || fail "curl localhost: got '$got'"
	echo "real-clients-tls: $target: curl --cacert: $got"
	sclient -CAfile "$work/cert.pem" -alpn http/1.1
	expect "s_client -alpn" '^ALPN protocol: http/1.1'
	expect "s_client verify" 'Verify return code: 0 \(ok\)'
	expect "s_client request" '^Hello, World!'
	for v in tls1_2 tls1_3; do
		sclient -"$v" -CAfile "$work/cert.pem" -sess_out "$work/sess-$v"
		expect "s_client -$v -sess_out" '^New, TLSv1\.[23]'
		sclient -"$v" -CAfile "$work/cert.pem" -sess_in "$work/sess-$v"
		expect "s_client -$v -sess_in" '^Reused, TLSv1\.[23]'
	done
	stop http

	# echo with the self-signed certificate it makes: a line comes back.
	start echo run_echo -tcp tcp://127.0.0.1:0 -udp "" -tls
	rm -f "$work/in"
	mkfifo "$work/in"
	timeout 30 openssl s_client -connect "$tcp" -servername localhost <"$work/in" >"$work/client" 2>&1 &
	sc=$!
	exec 3>"$work/in"
	printf 'hello over TLS\n' >&3
	for _ in $(seq 300); do
		grep -q '^hello over TLS' "$work/client" && break
		kill -0 "$sc" 2>/dev/null || break
		sleep 0.1
	done
	exec 3>&-
	wait "$sc" || true
	expect "s_client to echo, certificate" 'CN ?= ?localhost'
	expect "s_client to echo, self-signed" 'self-signed certificate'
	expect "s_client to echo, echoed" '^hello over TLS'
	stop echo

	# redis-cli --tls.
	start redis run_redis -addr tcp://127.0.0.1:0 -tls
	rcli() { timeout 30 redis-cli --tls --insecure -h "${tcp%:*}" -p "${tcp##*:}" "$@" 2>&1; }
	got=$(rcli PING) && [ "$got" = PONG ] || fail "redis-cli --tls PING: '$got'"
	got=$(rcli SET k v) && [ "$got" = OK ] || fail "redis-cli --tls SET: '$got'"
	got=$(rcli GET k) && [ "$got" = v ] || fail "redis-cli --tls GET: '$got'"
	echo "real-clients-tls: $target: redis-cli --tls: PING, SET, GET answered"
	stop redis

	# evhttp over TLS: curl --cacert on / and /echo, and wrk on https://.
	launch run_web -addr tcp://127.0.0.1:0 -loops 2 -tls -cert "$work/cert.pem" -key "$work/key.pem"
	await_address tcp "web: listening on https://"
	got=$(timeout 30 curl -sS --cacert "$work/cert.pem" -w ' %{http_version}' "https://$tcp/" 2>&1) || fail "curl to web: $got"
	[ "$got" = "Hello, World! 1.1" ] || fail "curl to web: got '$got'"
	head -c 1048576 /dev/urandom >"$work/body"
	timeout 60 curl -sS --cacert "$work/cert.pem" --data-binary @"$work/body" -H 'Content-Type: application/octet-stream' \
		-o "$work/back" "https://$tcp/echo" 2>"$work/client" || fail "curl /echo: $(cat "$work/client")"
	cmp -s "$work/body" "$work/back" || fail "curl /echo: $(wc -c <"$work/back") bytes back, not the 1 MiB sent"
	timeout 60 curl -sS --cacert "$work/cert.pem" -T - -H 'Transfer-Encoding: chunked' -o "$work/back" \
		"https://$tcp/echo" <"$work/body" 2>"$work/client" || fail "curl /echo chunked: $(cat "$work/client")"
	cmp -s "$work/body" "$work/back" || fail "curl /echo chunked: $(wc -c <"$work/back") bytes back, not the 1 MiB sent"
	echo "real-clients-tls: $target: curl --cacert to web: /, 1 MiB echoed by /echo (length known and chunked)"
	timeout 60 wrk -t2 -c20 -d3s --timeout 5s "https://$tcp/" >"$work/client" 2>&1 || fail "wrk https: $(cat "$work/client")"
	n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/client")
	if [ -z "$n" ] || [ "$n" -eq 0 ]; then fail "wrk https made no requests: $(cat "$work/client")"; fi
	grep -q 'Socket errors\|Non-2xx' "$work/client" && fail "wrk https: $(grep 'Socket errors\|Non-2xx' "$work/client")"
	echo "real-clients-tls: $target: wrk -t2 -c20 -d3s https://: $n requests, $(sed -n 's/^Requests\/sec: *//p' "$work/client") req/s"
	stop web

	echo "real-clients-tls: $target: PASS ($(($(date +%s) - t0)) s)"
done
