#!/usr/bin/env bash
# Mixed, authenticated load on the release build, with memory measured.
#
#   bench/mix.sh [spaces] [weeks] [--postgres]        (default 1000 4)
#
# Seeds a fresh database with the `seed` example (SPACES spaces, 20 notes
# each over 90 days, WEEKS weeks of everyday history), starts `troth serve`
# on 127.0.0.1, logs MIX_USERS (default 200) seeded accounts in, then:
#   1. wrk on /healthz (the ceiling of this machine, same run);
#   2. wrk with bench/mix.lua: home page, lists, insights (page and API), add
#      an appreciation, add a note, answer a ritual step, a login now and
#      then (MIX_LOGIN_PERMILLE, default 2 per 1000 requests);
#      while it runs the server's VmRSS is sampled every 200 ms;
#   3. a login storm: 50, then 100 concurrent logins (right and wrong
#      passwords, known and unknown emails), RSS after each, and idle RSS
#      15 s after the last.
# With --postgres it does all of it on SQLite and then on a throwaway
# PostgreSQL (scripts/with-postgres.sh; fsync off there, so this measures the
# app, not the disk) and prints PostgreSQL's mix throughput as a share of
# SQLite's from the same run.
#
# Knobs: BENCH_DURATION (wrk duration, default 15s), BENCH_CONNECTIONS
# (default 64), BENCH_THREADS (default 2), MIX_USERS, MIX_LOGIN_PERMILLE,
# BENCH_NOTES (notes per space, 20), BENCH_DAYS (90). Needs wrk, curl,
# python3. Every loop is bounded; the server and temp dirs go on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SPACES=1000
WEEKS=4
POSTGRES=0
positional=()
for a in "$@"; do
    case "$a" in
        --postgres) POSTGRES=1 ;;
        -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
        *) positional+=("$a") ;;
    esac
done
[[ ${#positional[@]} -ge 1 ]] && SPACES=${positional[0]}
[[ ${#positional[@]} -ge 2 ]] && WEEKS=${positional[1]}
NOTES=${BENCH_NOTES:-20}
DAYS=${BENCH_DAYS:-90}
DURATION=${BENCH_DURATION:-15s}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
USERS=${MIX_USERS:-200}
export MIX_LOGIN_PERMILLE=${MIX_LOGIN_PERMILLE:-2}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

# Inside the throwaway PostgreSQL the script runs itself once more.
if [[ $POSTGRES == 1 && -z "${MIX_INNER:-}" ]]; then
    exec bash scripts/with-postgres.sh env MIX_INNER=1 bash "$0" "${positional[@]}" --postgres
fi

TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/troth
SEED=$TARGET/release/examples/seed
if [[ ! -x $BIN || ! -x $SEED ]]; then
    cargo build --release --quiet --bin troth --example seed
fi
WORK=$(mktemp -d /tmp/troth-mix.XXXXXX)
SERVER_PID=""
SAMPLER_PID=""
cleanup() {
    [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k/1024}'; }
rss_now() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# Samples the server's VmRSS every 200 ms into $1 (max so far), until killed.
sample_rss() {
    local pid=$1 out=$2 max=0 v
    while kill -0 "$pid" 2>/dev/null; do
        v=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        ((v > max)) && max=$v && echo "$max" >"$out"
        sleep 0.2
    done
}

# run_backend NAME DATABASE_URL: prints a report block, sets MIX_RPS_<NAME>.
run_backend() {
    local name=$1 db=$2 port dir
    port=$(free_port)
    dir="$WORK/$name"
    mkdir -p "$dir"
    echo "[$name] seeding $SPACES spaces x $WEEKS weeks ($NOTES notes over $DAYS days each)..."
    local t0=$SECONDS
    "$SEED" "$db" "$SPACES" "$NOTES" "$DAYS" "$WEEKS" >"$dir/login" 2>"$dir/seed.log"
    echo "[$name] seeded in $((SECONDS - t0)) s"
    TROTH_LOG=warn "$BIN" --database-url "$db" serve --bind "127.0.0.1:$port" \
        --public-url "http://127.0.0.1:$port" >"$dir/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.05
    done
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$dir/server.log" >&2; return 1; }
    local rss_start
    rss_start=$(rss_now "$SERVER_PID")
    python3 scripts/proof/mixtool.py users "$port" "$db" "$USERS" "$dir/users.lua"
    local rss_users
    rss_users=$(rss_now "$SERVER_PID")

    local health mix
    health=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$port/healthz" 2>&1)
    echo 0 >"$dir/rss_peak"
    sample_rss "$SERVER_PID" "$dir/rss_peak" &
    SAMPLER_PID=$!
    mix=$(MIX_USERS="$dir/users.lua" MIX_ORIGIN="http://127.0.0.1:$port" \
        wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s -s bench/mix.lua "http://127.0.0.1:$port" 2>&1)
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    local rss_peak rss_after_mix
    rss_peak=$(cat "$dir/rss_peak")
    rss_after_mix=$(rss_now "$SERVER_PID")

    local storm50 storm100 idle
    storm50=$(python3 scripts/proof/mixtool.py storm "$port" "$SERVER_PID" 50 "$dir/users.lua.emails")
    storm100=$(python3 scripts/proof/mixtool.py storm "$port" "$SERVER_PID" 100 "$dir/users.lua.emails")
    sleep 15
    idle=$(rss_now "$SERVER_PID")
    local hwm
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""

    local h_rps m_rps
    h_rps=$(awk '/Requests\/sec/ {print $2}' <<<"$health")
    m_rps=$(awk '$1=="mix.rps" {print $2}' <<<"$mix")
    [[ -n "$m_rps" ]] || { echo "wrk mix failed:" >&2; echo "$mix" >&2; return 1; }
    printf -v "MIX_RPS_$name" '%s' "$m_rps"
    field() { awk -v k="$1" '$1==k {print $2}' <<<"$mix"; }
    storm_line() {
        python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%d concurrent logins in %.1f s: peak RSS %.1f MiB, after %.1f MiB; %s" % (d["logins"], d["seconds"], d["peak_rss_kib"]/1024, d["rss_after_kib"]/1024, " ".join("%s=%d" % kv for kv in d["statuses"].items())))' "$1"
    }
    cat <<OUT | tee -a "$WORK/report"

== troth mixed load: $name ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; $SPACES spaces x $WEEKS weeks; $USERS users logged in; wrk -t$THREADS -c$CONNS -d$DURATION) ==
GET /healthz     ${h_rps} req/s  p50 $(awk '$1=="50%" {print $2}' <<<"$health")  p99 $(awk '$1=="99%" {print $2}' <<<"$health")  $(awk '/Non-2xx|Socket errors/' <<<"$health" | tr '\n' ' ')
mix              ${m_rps} req/s  p50 $(field mix.p50_ms) ms  p99 $(field mix.p99_ms) ms  max $(field mix.max_ms) ms
mix errors       $(field mix.http_errors) HTTP >= 400, $(field mix.socket_errors) socket; statuses $(field mix.statuses); logins sent $(field mix.logins)
mix / healthz    $(awk -v a="$m_rps" -v b="$h_rps" 'BEGIN {printf "%.1f%%", 100*a/b}')
RSS              at start $(kib "$rss_start"); after $USERS logins one by one $(kib "$rss_users"); peak during mix $(kib "$rss_peak") (sampled every 200 ms); after mix $(kib "$rss_after_mix")
login storm      $(storm_line "$storm50")
login storm      $(storm_line "$storm100")
idle RSS         $(kib "$idle") 15 s after the storm; VmHWM (peak since start) $(kib "$hwm")
OUT
}

run_backend sqlite "sqlite://$WORK/mix.db?mode=rwc"
if [[ $POSTGRES == 1 ]]; then
    run_backend postgres "$TROTH_TEST_DATABASE_URL"
    echo
    echo "PostgreSQL mix throughput / SQLite's, same run: $(awk -v a="$MIX_RPS_postgres" -v b="$MIX_RPS_sqlite" 'BEGIN {printf "%.0f%%", 100*a/b}')"
fi
