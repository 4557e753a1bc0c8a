#!/usr/bin/env bash
# Schemathesis (property-based API testing from the OpenAPI document) against
# a fresh troth with an authenticated user.
#
#   scripts/proof-schemathesis.sh [--postgres] [--long] [--max-examples N]
#                                 [--checks LIST] [--exclude-checks LIST]
#                                 [--max-time S] [--seed S]
#                                 [--report-dir DIR]
#
# Installs schemathesis from PyPI into a throwaway venv under /tmp
# ($PROOF_VENV, default /tmp/troth-schemathesis-venv, reused when present),
# starts the release binary on 127.0.0.1 (fresh SQLite file, or a private
# PostgreSQL cluster with --postgres), registers a user with a personal
# token and a space with a partner and a few entries, and runs schemathesis
# on /api/v1/openapi.json with `Authorization: Bearer`, real ids as path
# parameters, and every check but positive_data_acceptance by default (no
# 5xx, statuses, content types, headers and bodies as documented, invalid data
# refused, unauthenticated calls refused, unsupported methods 405, deleted
# things gone; see docs/proof.md). --exclude-checks '' adds
# positive_data_acceptance; --checks LIST picks others.
# Short (CI): 25 examples per operation, all four phases (examples,
# coverage, fuzzing, stateful). --long: 300 examples, bounded by
# --max-time 1200. Exits non-zero when a check fails; prints
# `proof-schemathesis: N passed, M failed`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/proof/lib.sh
source scripts/proof/lib.sh
proof_need_binary

args=()
backend=sqlite
long=0
for a in "$@"; do
    case "$a" in
        --postgres) backend=postgres ;;
        --long) long=1 ;;
        *) args+=("$a") ;;
    esac
done
if [[ $long == 1 ]]; then
    args=(--max-examples 300 --max-time 1200 "${args[@]}")
fi

VENV=${PROOF_VENV:-/tmp/troth-schemathesis-venv}
if [[ ! -x "$VENV/bin/schemathesis" ]]; then
    echo "installing schemathesis into $VENV..."
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi
"$VENV/bin/schemathesis" --version
exec timeout --kill-after=30 "${PROOF_TIMEOUT:-1800}" python3 -u scripts/proof/schemathesis_run.py \
    --backend "$backend" --schemathesis "$VENV/bin/schemathesis" "${args[@]}"
