#!/usr/bin/env bash
# Side-by-side load test of two builds on the same data, in one run, so that
# this noisy machine's drift hits both alike.
#
#   bench/compare.sh BASE_DIR NEW_DIR [spaces] [weeks] [rounds]
#
# BASE_DIR and NEW_DIR are directories holding a release `troth` binary and
# the `seed` example (e.g. target/release of two checkouts). The database is
# seeded once with BASE's seeder and copied, so each build serves an identical
# copy (NEW migrates its copy forward on start). Then, for each round, each
# build in turn is started, logged in, and measured with
# `wrk -t2 -c64 -d$BENCH_DURATION --latency` against the space home page and
# the insights page. Prints each run and the medians of p50 and req/s.
# Only 127.0.0.1 is contacted; every loop is bounded.
set -euo pipefail
BASE_DIR=$1
NEW_DIR=$2
SPACES=${3:-1000}
WEEKS=${4:-4}
ROUNDS=${5:-3}
DURATION=${BENCH_DURATION:-10s}
PORT=${BENCH_PORT:-18093}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/troth-compare.XXXXXX)
SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "load before: $(uptime)"
echo "seeding $SPACES spaces with $WEEKS weeks of history..."
mkdir -p "$WORK/seed"
# Cargo puts examples in target/release/examples/; accept either layout.
SEED="$BASE_DIR/examples/seed"
[[ -x "$SEED" ]] || SEED="$BASE_DIR/seed"
"$SEED" "sqlite://$WORK/seed/troth.db?mode=rwc" "$SPACES" 20 90 "$WEEKS" >"$WORK/login"
read -r EMAIL PASSWORD SPACE <"$WORK/login"
for side in base new; do
    mkdir -p "$WORK/$side"
    # The seeder may exit with its rows still in the write-ahead log (not
    # checkpointed into troth.db); without it the copy is an empty database.
    for file in troth.db troth.db-wal; do
        if [[ -e "$WORK/seed/$file" ]]; then cp "$WORK/seed/$file" "$WORK/$side/$file"; fi
    done
done

run_side() { # side bin -> prints "home_rps home_p50 insights_rps insights_p50"
    local side=$1 bin=$2 cookie status page
    # A server left on the port would answer in place of this build.
    if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
        echo "$side: something already answers on port $PORT (set BENCH_PORT)" >&2
        exit 1
    fi
    TROTH_LOG=warn "$bin" serve --database-url "sqlite://$WORK/$side/troth.db" \
        --bind "127.0.0.1:$PORT" --public-url "http://127.0.0.1:$PORT" >"$WORK/$side.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 2000); do
        curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
        sleep 0.01
    done
    curl -s -D "$WORK/login.headers" -o "$WORK/login.body" -H 'content-type: application/json' \
        -H "Origin: http://127.0.0.1:$PORT" \
        -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" || true
    cookie=$(awk -F'[ ;]' 'tolower($1)=="set-cookie:" {print $2}' "$WORK/login.headers")
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$side: the server exited" >&2; cat "$WORK/$side.log" >&2; exit 1; }
    if [[ -z "$cookie" ]]; then
        echo "$side: login failed" >&2
        cat "$WORK/login.headers" "$WORK/login.body" "$WORK/$side.log" >&2
        exit 1
    fi
    for page in "" /insights; do
        status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$PORT/spaces/$SPACE$page")
        [[ "$status" == 200 ]] || { echo "$side: /spaces/$SPACE$page answered $status" >&2; cat "$WORK/$side.log" >&2; exit 1; }
    done
    local home insights
    home=$(wrk -t2 -c64 -d"$DURATION" --latency -H "Cookie: $cookie" "http://127.0.0.1:$PORT/spaces/$SPACE" 2>&1)
    insights=$(wrk -t2 -c64 -d"$DURATION" --latency -H "Cookie: $cookie" "http://127.0.0.1:$PORT/spaces/$SPACE/insights" 2>&1)
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    for out in "$home" "$insights"; do
        if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
            echo "$side: errors during the run:" >&2
            grep 'Non-2xx\|Socket errors' <<<"$out" >&2
        fi
    done
    echo "$(awk '/Requests\/sec/ {print $2}' <<<"$home") $(awk '$1=="50%" {print $2}' <<<"$home")" \
        "$(awk '/Requests\/sec/ {print $2}' <<<"$insights") $(awk '$1=="50%" {print $2}' <<<"$insights")"
}

: >"$WORK/base.runs"
: >"$WORK/new.runs"
for r in $(seq 1 "$ROUNDS"); do
    # Alternate which side goes first so that warm-up favours neither.
    if ((r % 2)); then order=(base new); else order=(new base); fi
    for side in "${order[@]}"; do
        dir=$BASE_DIR
        [[ $side == new ]] && dir=$NEW_DIR
        # Not in $(...): a subshell would hide SERVER_PID from the EXIT trap
        # and swallow `exit`, leaving a server running after a failure.
        run_side "$side" "$dir/troth" >"$WORK/line"
        line=$(<"$WORK/line")
        echo "round $r $side: home $(cut -d' ' -f1,2 <<<"$line")  insights $(cut -d' ' -f3,4 <<<"$line")"
        echo "$line" >>"$WORK/$side.runs"
    done
done

to_ms() { # wrk latency (e.g. 812.00us, 10.31ms, 1.02s) -> milliseconds
    awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v c="$2" '{print $c}' "$WORK/$1.runs"; }
summary() {
    local name=$1 rps_col=$2 p50_col=$3 b_rps n_rps b_p50 n_p50
    b_rps=$(col base "$rps_col" | median); n_rps=$(col new "$rps_col" | median)
    b_p50=$(col base "$p50_col" | to_ms | median); n_p50=$(col new "$p50_col" | to_ms | median)
    printf '%-9s base %8.0f req/s p50 %6.2f ms | new %8.0f req/s p50 %6.2f ms | throughput %+.1f%%, p50 %+.1f%%\n' \
        "$name" "$b_rps" "$b_p50" "$n_rps" "$n_p50" \
        "$(awk -v a="$n_rps" -v b="$b_rps" 'BEGIN {print 100*(a-b)/b}')" \
        "$(awk -v a="$n_p50" -v b="$b_p50" 'BEGIN {print 100*(a-b)/b}')"
}
echo "== medians of $ROUNDS rounds ($(date -u +%Y-%m-%d), $(nproc) cores, SQLite, $SPACES spaces x $WEEKS weeks, wrk -t2 -c64 -d$DURATION) =="
summary home 1 2
summary insights 3 4
echo "load after: $(uptime)"
