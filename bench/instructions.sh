#!/usr/bin/env bash
# Instructions per request, which do not depend on the machine's load:
# one build's server under callgrind, N keep-alive requests of the space
# home page and then of the insights page, counted between a zero and a
# dump of callgrind's counters (so start-up, login and warm-up are left out).
#
#   bench/instructions.sh BIN_DIR [N] [extra curl arguments, e.g. -H 'Accept-Encoding: gzip']
#
# BIN_DIR holds a release `troth` and the `seed` example (as for
# compare.sh). Seeds 1,000 spaces x 4 weeks with that build's seeder, signs
# in, sends 40 requests of each page to warm the statement caches of every
# pooled connection, then measures N (default 200). Needs valgrind; only
# 127.0.0.1 is contacted; every loop is bounded.
set -euo pipefail
DIR=$1
N=${2:-200}
shift $(($# > 1 ? 2 : 1))
EXTRA=("$@")
PORT=${BENCH_PORT:-18771}
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
WORK=$(mktemp -d /tmp/troth-instr.XXXXXX)
VPID=""
cleanup() {
    [[ -n "$VPID" ]] && kill "$VPID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
SEED="$DIR/examples/seed"
[[ -x "$SEED" ]] || SEED="$DIR/seed"
"$SEED" "sqlite://$WORK/troth.db?mode=rwc" 1000 20 90 4 >"$WORK/login" 2>/dev/null
read -r EMAIL PASSWORD SPACE <"$WORK/login"
TROTH_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p" "$DIR/troth" serve \
    --database-url "sqlite://$WORK/troth.db" --bind "127.0.0.1:$PORT" --public-url "http://127.0.0.1:$PORT" \
    >"$WORK/server.log" 2>&1 &
VPID=$!
for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -s -D "$WORK/h" -o /dev/null -H 'content-type: application/json' -H "Origin: http://127.0.0.1:$PORT" \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/auth/login"
COOKIE=$(awk -F'[ ;]' 'tolower($1)=="set-cookie:" {print $2}' "$WORK/h")
[[ -n "$COOKIE" ]] || { echo "login failed" >&2; cat "$WORK/server.log" >&2; exit 1; }
for page in "" /insights; do
    url="http://127.0.0.1:$PORT/spaces/$SPACE$page"
    warm=(); for _ in $(seq 1 40); do warm+=("$url"); done
    urls=(); for _ in $(seq 1 "$N"); do urls+=("$url"); done
    curl -s -H "Cookie: $COOKIE" "${EXTRA[@]}" "${warm[@]}" >/dev/null
    callgrind_control -z "$VPID" >/dev/null 2>&1
    curl -s -H "Cookie: $COOKIE" "${EXTRA[@]}" "${urls[@]}" >/dev/null
    callgrind_control -d "$VPID" >/dev/null 2>&1
    sleep 1
    dump=$(ls -t "$WORK"/cg.*.* | head -1)
    total=$(awk '/^summary:|^totals:/ {print $2; exit}' "$dump")
    bytes=$(curl -s -H "Cookie: $COOKIE" "${EXTRA[@]}" -o /dev/null -w '%{size_download}' "$url")
    printf '%-9s %9d instructions/request (%d over %d), %d bytes\n' "${page:-/home}" $((total / N)) "$total" "$N" "$bytes"
done
