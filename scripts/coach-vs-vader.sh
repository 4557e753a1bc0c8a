#!/usr/bin/env bash
# Times `troth coach check --jsonl` against VADER (PyPI `vaderSentiment`) on
# the same 100,000 generated messages, side by side in one run.
#
#   bash scripts/coach-vs-vader.sh [N]
#
# VADER goes into a throwaway virtualenv under a temporary directory, which
# is removed at the end. Both tools read the same JSON-lines file and write
# one result per message; each is timed end to end (process start, reading,
# scoring, writing), best of three runs. Needs python3 with venv, and network
# access to PyPI for the one `pip install`.
set -euo pipefail

N="${1:-100000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== building troth (release)"
cargo build --release --quiet -p troth --manifest-path "$ROOT/Cargo.toml"
TROTH="$CARGO_TARGET_DIR/release/troth"

echo "== installing vaderSentiment into a throwaway venv"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check vaderSentiment
"$WORK/venv/bin/python" -c 'import vaderSentiment, sys; print("vaderSentiment ready, python", sys.version.split()[0])'

echo "== generating $N messages (deterministic)"
python3 - "$N" "$WORK/messages.jsonl" <<'PY'
import json, sys
n, out = int(sys.argv[1]), sys.argv[2]
# Our own message parts, combined by a fixed linear congruential sequence so
# every run sees the same messages (about 60-260 characters each).
openings = ["Hey,", "Honestly,", "So", "Look,", "Babe,", "Okay,", "", "Listen,", "Hi love,", "Right,"]
middles = [
    "you never put the laundry away and I'm tired of asking",
    "I feel worried when you drive home late at night",
    "could you text me when you leave work tomorrow",
    "I'm sorry I snapped at you about the bills, that wasn't fair",
    "thanks for the heads-up that you'd be late, oh wait, there wasn't one",
    "that's not true, I cleaned the kitchen on Monday and Wednesday",
    "you're right, I forgot the appointment and I'll ring them today",
    "wow, another brilliant plan from the genius of the house",
    "I appreciate you cooking tonight, it meant a lot after my day",
    "why do you always leave me to organise the holidays",
    "sorry if you were upset, but you were overreacting",
    "can we talk about the budget this weekend",
    "your little hobby cost us a fortune again",
    "I love how you make the kids laugh at breakfast",
]
endings = ["", ".", "!", "?", " Just saying.", " Can we talk later?", " Love you.", " Whatever."]
x = 12345
with open(out, "w") as f:
    for i in range(n):
        parts = []
        for _ in range(2):
            x = (1103515245 * x + 12345) % 2**31
            parts.append(middles[x % len(middles)])
        x = (1103515245 * x + 12345) % 2**31
        text = (openings[x % len(openings)] + " " + parts[0] + ". " + parts[1].capitalize()
                + endings[(x >> 8) % len(endings)]).strip()
        f.write(json.dumps({"text": text}) + "\n")
PY
wc -c "$WORK/messages.jsonl" | awk -v n="$N" '{printf "   %d messages, %.0f bytes each on average\n", n, $1 / n}'

cat > "$WORK/vader.py" <<'PY'
import json, sys
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
analyzer = SentimentIntensityAnalyzer()
out = sys.stdout
for line in sys.stdin:
    if line.strip():
        out.write(json.dumps(analyzer.polarity_scores(json.loads(line)["text"])) + "\n")
PY

# Prints "wall cpu" of the fastest of three runs: wall-clock seconds, and
# the CPU seconds (user + system, all threads) that run used. On a shared
# machine the wall clock depends on what else runs; the CPU time does not.
best_of_three() {
    local best="" best_cpu=""
    for _ in 1 2 3; do
        local start end t cpu
        start=$(date +%s.%N)
        /usr/bin/time -f "%U %S" -o "$WORK/time.txt" "$@" < "$WORK/messages.jsonl" > "$WORK/out.jsonl"
        end=$(date +%s.%N)
        t=$(echo "$end - $start" | bc -l)
        cpu=$(awk '{print $1 + $2}' "$WORK/time.txt")
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; best_cpu=$cpu; fi
    done
    echo "$best $best_cpu"
}

echo "== timing (best of three, end to end); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r t_troth cpu_troth <<< "$(best_of_three "$TROTH" coach check --jsonl)"
lines_troth=$(wc -l < "$WORK/out.jsonl")
read -r t_vader cpu_vader <<< "$(best_of_three "$WORK/venv/bin/python" "$WORK/vader.py")"
lines_vader=$(wc -l < "$WORK/out.jsonl")
[ "$lines_troth" = "$N" ] && [ "$lines_vader" = "$N" ] || { echo "expected $N output lines, got $lines_troth / $lines_vader" >&2; exit 1; }
printf '| tool | %d messages | messages/s | CPU seconds (all threads) |\n|---|---|---|---|\n' "$N"
printf '| troth coach check --jsonl | %.2f s | %.0f | %.2f |\n' "$t_troth" "$(echo "$N / $t_troth" | bc -l)" "$cpu_troth"
printf '| VADER polarity_scores (Python) | %.2f s | %.0f | %.2f |\n' "$t_vader" "$(echo "$N / $t_vader" | bc -l)" "$cpu_vader"
printf 'troth is %.1fx faster than VADER (wall clock); %.1fx less CPU time\n' \
    "$(echo "$t_vader / $t_troth" | bc -l)" "$(echo "$cpu_vader / $cpu_troth" | bc -l)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
