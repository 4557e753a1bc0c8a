#!/usr/bin/env bash
# The short variants of every proof harness, one after the other, as CI runs
# them (about 2 to 3 minutes on 2 cores). Stops at the first failure.
#
#   scripts/proof-short.sh [--no-postgres] [--no-schemathesis]
#
# --no-schemathesis skips the one step that needs PyPI (schemathesis is
# installed into a throwaway venv under /tmp on first use).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
postgres=1
schemathesis=1
for a in "$@"; do
    case "$a" in
        --no-postgres) postgres=0 ;;
        --no-schemathesis) schemathesis=0 ;;
        *) echo "unknown option $a" >&2; exit 2 ;;
    esac
done
run() { echo "== $* =="; "$@"; }
run scripts/proof-crash.sh --kills 15
[[ $postgres == 1 ]] && run scripts/proof-crash.sh --kills 15 --backend postgres
run scripts/proof-backup.sh
if [[ $schemathesis == 1 ]]; then
    # Every check but positive_data_acceptance (see proof-schemathesis.sh),
    # each engine bounded by schemathesis's own clock.
    run scripts/proof-schemathesis.sh --max-time 90
    [[ $postgres == 1 ]] && run scripts/proof-schemathesis.sh --postgres --max-time 90
fi
echo "proof-short: all passed"
