#!/usr/bin/env bash
# Load test of the release binary with wrk, on this machine's loopback only.
#
#   bench/load.sh [spaces] [notes-per-space] [days]     (default 1000 20 90)
#
# Seeds a fresh SQLite database (cargo example `seed`), starts `troth serve`,
# measures start-up to first answer and idle memory, then runs
# `wrk -t2 -c64 -d15s` against /healthz and the space home page (logged in),
# and prints one summary block. Every request loop is bounded in time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SPACES=${1:-1000}
NOTES=${2:-20}
DAYS=${3:-90}
WEEKS=${4:-0}   # weeks of everyday history per space (promises, thanks, rituals, pulses)
DURATION=${BENCH_DURATION:-15s}
PORT=${BENCH_PORT:-18091}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

cargo build --release --quiet --bin troth --example seed
BIN=target/release/troth
WORK=$(mktemp -d /tmp/troth-bench.XXXXXX)
DB="sqlite://$WORK/troth.db?mode=rwc"
# BENCH_REUSE=DIR keeps the seeded database in DIR and reuses it next time
# (seeding two years of history takes minutes).
if [[ -n "${BENCH_REUSE:-}" ]]; then
    mkdir -p "$BENCH_REUSE"
    DB="sqlite://$BENCH_REUSE/troth.db?mode=rwc"
fi
SERVER_PID=""
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

if [[ -n "${BENCH_REUSE:-}" && -s "$BENCH_REUSE/login" ]]; then
    echo "reusing the database in $BENCH_REUSE"
else
    echo "seeding $SPACES spaces x $NOTES notes over $DAYS days..."
    target/release/examples/seed "$DB" "$SPACES" "$NOTES" "$DAYS" "$WEEKS" >"$WORK/login"
    [[ -n "${BENCH_REUSE:-}" ]] && cp "$WORK/login" "$BENCH_REUSE/login"
fi
read -r EMAIL PASSWORD SPACE <"${BENCH_REUSE:-$WORK}/login"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
T0=$(now_ms)
TROTH_LOG=warn "$BIN" serve --database-url "$DB" --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 2000); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.005
done
STARTUP=$(($(now_ms) - T0))
sleep 1
RSS_IDLE=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")

COOKIE=$(curl -fs -D - -o /dev/null -H 'content-type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" |
    awk -F'[ ;]' 'tolower($1)=="set-cookie:" {print $2}')
HOME_URL="http://127.0.0.1:$PORT/spaces/$SPACE"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$HOME_URL")
[[ "$STATUS" == 200 ]] || { echo "home page answered $STATUS" >&2; exit 1; }

run_wrk() { wrk -t2 -c64 -d"$DURATION" --latency "$@" 2>&1; }
HEALTH=$(run_wrk "http://127.0.0.1:$PORT/healthz")
HOMEP=$(run_wrk -H "Cookie: $COOKIE" "$HOME_URL")
INSIGHTS=$(run_wrk -H "Cookie: $COOKIE" "$HOME_URL/insights")
RSS_LOADED=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")

rps() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
pct() { awk -v p="$2" '$1==p {print $2}' <<<"$1"; }
errors() { awk '/Non-2xx|Socket errors/ {print}' <<<"$1"; }
H_RPS=$(rps "$HEALTH"); P_RPS=$(rps "$HOMEP")
cat <<OUT
== troth load test ($(date -u +%Y-%m-%d), $(nproc) cores, SQLite, $SPACES spaces x $NOTES notes over $DAYS days, $WEEKS weeks of everyday history) ==
start-up to first answer: ${STARTUP} ms (existing database)
idle RSS: $((RSS_IDLE / 1024)) MiB ($RSS_IDLE KiB); after load: $((RSS_LOADED / 1024)) MiB
GET /healthz      ${H_RPS} req/s  p50 $(pct "$HEALTH" 50%)  p99 $(pct "$HEALTH" 99%) $(errors "$HEALTH")
GET space home    ${P_RPS} req/s  p50 $(pct "$HOMEP" 50%)  p99 $(pct "$HOMEP" 99%) $(errors "$HOMEP")
GET insights      $(rps "$INSIGHTS") req/s  p50 $(pct "$INSIGHTS" 50%)  p99 $(pct "$INSIGHTS" 99%) $(errors "$INSIGHTS")
home/healthz throughput: $(awk -v a="$P_RPS" -v b="$H_RPS" 'BEGIN {printf "%.0f%%", 100*a/b}')
OUT
