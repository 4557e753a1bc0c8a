#!/usr/bin/env bash
# Online backup under writes: `troth backup` while writers keep writing,
# `troth restore` into a new database, and nothing acknowledged before the
# backup began is missing or different.
#
#   scripts/proof-backup.sh [--backups N] [--clients C] [--warmup SECONDS] [--seed S]
#
# SQLite only: `troth backup` is SQLite's VACUUM INTO (PostgreSQL is backed
# up with pg_dump). Starts the release binary on 127.0.0.1 with a fresh
# database in /tmp, lets C writers (default 4) add notes, appreciations and
# promises through the API, takes N backups (default 3) while they write,
# restores each into a new database and serves it, and checks: every write
# acknowledged before the backup began is there with exactly its content,
# nothing is half there, each table's row count lies between the live
# counts just before and just after the backup, `PRAGMA integrity_check` is
# ok. Prints `proof-backup: N passed, M failed`; exits non-zero on a
# mismatch. Takes about 20 s; bounded by PROOF_TIMEOUT (default 600 s).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/proof/lib.sh
source scripts/proof/lib.sh
proof_need_binary
exec timeout --kill-after=30 "${PROOF_TIMEOUT:-600}" python3 -u scripts/proof/backup.py "$@"
