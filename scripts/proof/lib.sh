# Shared by the scripts/proof-*.sh wrappers (sourced, not run).

# Sets TROTH_BIN to the release binary, building it when it is missing.
proof_need_binary() {
    local target="${CARGO_TARGET_DIR:-target}"
    export TROTH_BIN="${TROTH_BIN:-$target/release/troth}"
    if [[ ! -x "$TROTH_BIN" ]]; then
        echo "building the release binary (cargo build --release --bin troth)..." >&2
        cargo build --release --quiet --bin troth
    fi
    TROTH_BIN=$(readlink -f "$TROTH_BIN")
    command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
}
export PYTHONDONTWRITEBYTECODE=1
