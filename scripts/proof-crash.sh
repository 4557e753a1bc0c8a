#!/usr/bin/env bash
# Crash consistency: nothing acknowledged is lost when troth is killed.
#
#   scripts/proof-crash.sh [--kills N] [--backend sqlite|postgres] [--clients C] [--seed S]
#
# Starts the release binary on 127.0.0.1 (a fresh SQLite file, or a private
# durable PostgreSQL cluster in /tmp), lets C client threads (default 4) write
# notes, note edits, appreciations and promises through the HTTP API, and
# SIGKILLs the server N times (default 200) at random moments up to 0.8 s
# apart (one cycle in ten during start-up), restarting it each time. On
# PostgreSQL every fifth cycle also stops PostgreSQL with
# `pg_ctl -m immediate` under the writers; troth must recover by itself.
# Then every acknowledged write must be there with exactly its content,
# nothing may be there half written, and on SQLite `PRAGMA integrity_check`
# must answer ok. Prints the totals and `proof-crash: N passed, M failed`;
# exits non-zero on any loss or problem.
#
# Short (CI, under a minute):   scripts/proof-crash.sh --kills 15
# Long:                         scripts/proof-crash.sh --kills 200 [--backend postgres]
# Binary: $TROTH_BIN, else ${CARGO_TARGET_DIR:-target}/release/troth (built
# with `cargo build --release --bin troth` when missing).
# Everything runs under `timeout` (PROOF_TIMEOUT seconds, default 1800); the
# temp dirs and processes are removed on exit by the driver.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/proof/lib.sh
source scripts/proof/lib.sh
proof_need_binary
exec timeout --kill-after=30 "${PROOF_TIMEOUT:-1800}" python3 -u scripts/proof/crash.py "$@"
