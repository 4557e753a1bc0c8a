#!/usr/bin/env bash
# The hostile-input property tests, long: the same targets `cargo test` runs
# with a few hundred cases each, here with many more. No nightly, no
# cargo-fuzz: proptest, in the normal test binaries.
#
#   scripts/fuzz-long.sh [CASES]        (default 5000; about 15 to 25 min on 2 cores)
#
# Targets (each prints its failing input, shrunk, on failure):
#   domain  field parsers, dates, time zones, the ICS feed   crates/domain/tests/hostile.rs
#   coach   every analysis, long and odd Unicode, the batch  crates/coach/tests/hostile.rs
#   restore `troth restore` of damaged and random files      crates/cli/tests/restore_fuzz.rs
#   web     photo preparation; JSON, forms, queries, uploads crates/web/tests/it/hostile.rs
#           over HTTP (SQLite, and PostgreSQL too when TROTH_TEST_DATABASE_URL is set)
# The restore and HTTP targets run the binary or a request per case, so
# they get a tenth of CASES.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cases="${1:-5000}"
slow=$(( cases / 10 > 10 ? cases / 10 : 10 ))
started=$SECONDS
run() { echo "== $* =="; "$@"; }
PROPTEST_CASES=$cases run cargo test -p troth-domain --test hostile
PROPTEST_CASES=$cases run cargo test -p troth-coach --test hostile
PROPTEST_CASES=$slow run cargo test -p troth --test restore_fuzz -- --nocapture
PROPTEST_CASES=$cases run cargo test -p troth-web --test it hostile::any_bytes_as_a_photo
PROPTEST_CASES=$slow run cargo test -p troth-web --test it hostile -- --skip any_bytes_as_a_photo --nocapture
echo "fuzz-long: all passed ($cases cases, $slow for the slow targets) in $(( SECONDS - started )) s"
