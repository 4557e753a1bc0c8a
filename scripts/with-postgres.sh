#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server.
#
#   scripts/with-postgres.sh <command> [args...]
#       Starts a fresh server in a temp dir (trust auth, 127.0.0.1 on a free
#       port, fsync off), creates the superuser role `troth` and the database
#       `troth`, exports
#           TROTH_TEST_DATABASE_URL=postgres://troth@127.0.0.1:<port>/troth
#       runs the command, stops the server, removes the temp dir, and exits
#       with the command's status.
#   scripts/with-postgres.sh --bindir
#       Prints the PostgreSQL server bin dir it would use (exit 1 if none).
#
# Example:  scripts/with-postgres.sh cargo test --workspace --locked
#
# Needs the server binaries (initdb, pg_ctl, postgres; Debian: `postgresql`)
# and psql. Looked up in $PG_BINDIR, then next to `initdb`/`pg_ctl` on PATH,
# then `pg_config --bindir`, then the newest /usr/lib/postgresql/<ver>/bin.
# PostgreSQL refuses to run as root, so as root the server runs as the OS
# user `postgres` (created with `useradd --system` if missing).
# Knobs: TROTH_PG_PORT (fixed port instead of a free one),
#        TROTH_PG_TMPDIR (where the temp dir goes; default /tmp),
#        TROTH_PG_SSL=1 (TLS only: makes a throwaway CA and a server
#            certificate for 127.0.0.1/localhost with openssl, starts the
#            server with ssl=on, refuses plain TCP, and also exports
#            TROTH_TEST_PG_CA (the CA that signed the server certificate)
#            and TROTH_TEST_PG_OTHER_CA (an unrelated CA, for tests that
#            expect verification to fail)). Off by default.
set -euo pipefail

log() { printf 'with-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

have_server_bins() { [[ -x "$1/initdb" && -x "$1/pg_ctl" && -x "$1/postgres" ]]; }

find_bindir() {
    local d cands=()
    [[ -n "${PG_BINDIR:-}" ]] && cands+=("$PG_BINDIR")
    for d in initdb pg_ctl; do
        if command -v "$d" >/dev/null 2>&1; then
            cands+=("$(dirname "$(readlink -f "$(command -v "$d")")")")
        fi
    done
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        [[ -n "$d" ]] && cands+=("$d")
    fi
    # Debian/Ubuntu layout, newest version first.
    local debian=()
    for d in /usr/lib/postgresql/*/bin; do [[ -d "$d" ]] && debian+=("$d"); done
    if [[ ${#debian[@]} -gt 0 ]]; then
        while IFS= read -r d; do cands+=("$d"); done < <(
            printf '%s\n' "${debian[@]}" | sort -t/ -k5,5 -V -r)
    fi
    cands+=(/usr/local/pgsql/bin)
    for d in "${cands[@]}"; do
        if have_server_bins "$d"; then
            printf '%s\n' "$d"
            return 0
        fi
    done
    return 1
}

if [[ "${1:-}" == "--bindir" ]]; then
    find_bindir || { log "no PostgreSQL server binaries found"; exit 1; }
    exit 0
fi
[[ $# -ge 1 ]] || die "usage: $0 <command> [args...]   |   $0 --bindir"

BINDIR=$(find_bindir) || die "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found; install Debian's 'postgresql' or set PG_BINDIR"
if [[ -x "$BINDIR/psql" ]]; then
    PSQL="$BINDIR/psql"
elif command -v psql >/dev/null 2>&1; then
    PSQL=$(command -v psql)
else
    die "psql not found (Debian: postgresql-client)"
fi

# The server and initdb refuse to run as root: use the `postgres` OS user.
if [[ $(id -u) -eq 0 ]]; then
    PG_OS_USER=postgres
    if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
        log "creating system user $PG_OS_USER"
        useradd --system --user-group --no-create-home \
            --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$PG_OS_USER"
    fi
    as_pg() {
        if command -v runuser >/dev/null 2>&1; then
            runuser -u "$PG_OS_USER" -- "$@"
        else
            su -s /bin/sh "$PG_OS_USER" -c "$(printf '%q ' "$@")"
        fi
    }
else
    PG_OS_USER=$(id -un)
    as_pg() { "$@"; }
fi

PGTMP=""
DATADIR=""
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n "$DATADIR" && -f "$DATADIR/postmaster.pid" ]]; then
        if ! (cd "$PGTMP" && as_pg "$BINDIR/pg_ctl" -D "$DATADIR" -m fast -w -t 30 stop >/dev/null 2>&1); then
            log "fast shutdown failed; trying immediate"
            (cd "$PGTMP" && as_pg "$BINDIR/pg_ctl" -D "$DATADIR" -m immediate -w -t 15 stop >/dev/null 2>&1) || true
        fi
        # Last resort: the postmaster we started, by its pid file.
        if [[ -f "$DATADIR/postmaster.pid" ]]; then
            local pid
            pid=$(head -n1 "$DATADIR/postmaster.pid" 2>/dev/null || true)
            if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
                log "killing postmaster $pid"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 1
            fi
        fi
    fi
    if [[ -n "$PGTMP" && -d "$PGTMP" ]]; then
        rm -rf -- "$PGTMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Short base path: the unix socket path must stay under ~107 bytes.
PGTMP=$(mktemp -d "${TROTH_PG_TMPDIR:-/tmp}/troth-pg.XXXXXX")
DATADIR="$PGTMP/data"
SOCKDIR="$PGTMP/sock"
LOGFILE="$PGTMP/postgres.log"
mkdir -p "$SOCKDIR"
chmod 0755 "$PGTMP"
[[ $(id -u) -eq 0 ]] && chown -R "$PG_OS_USER": "$PGTMP"

# initdb: plain C.UTF-8 collation (present in glibc >= 2.35), C as fallback.
# --no-sync: durability is pointless here.
initdb_ok=0
for loc in C.UTF-8 C; do
    if (cd "$PGTMP" && as_pg "$BINDIR/initdb" -D "$DATADIR" -U postgres --auth=trust \
            --encoding=UTF8 --locale="$loc" --no-sync >"$PGTMP/initdb.log" 2>&1); then
        initdb_ok=1
        break
    fi
    rm -rf -- "$DATADIR"
done
if [[ $initdb_ok -ne 1 ]]; then
    cat "$PGTMP/initdb.log" >&2
    die "initdb failed"
fi

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        # No python: random port in 20000-59999 with nothing listening on it.
        local p
        for _ in $(seq 1 50); do
            p=$((20000 + RANDOM % 40000))
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
                echo "$p"
                return 0
            fi
        done
        return 1
    fi
}

# Statement statistics, for the test that checks every everyday statement is
# pinned to one space or one person (tests/it/hotpath.rs), when the server
# has the module (Debian's postgresql package does).
PRELOAD=""
[[ -e "$BINDIR/../lib/pg_stat_statements.so" || -e "$("$BINDIR/pg_config" --pkglibdir 2>/dev/null)/pg_stat_statements.so" ]] &&
    PRELOAD="shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.max = 10000"

SSL_CONF=""
if [[ "${TROTH_PG_SSL:-0}" == "1" ]]; then
    command -v openssl >/dev/null 2>&1 || die "TROTH_PG_SSL=1 needs openssl"
    TLSDIR="$PGTMP/tls"
    mkdir -p "$TLSDIR"
    make_ca() { # name
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=troth test $1" \
            -keyout "$TLSDIR/$1.key" -out "$TLSDIR/$1.crt" >/dev/null 2>&1 || die "openssl: cannot make $1"
    }
    make_ca ca
    make_ca other-ca
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$TLSDIR/server.key" -out "$TLSDIR/server.csr" >/dev/null 2>&1 || die "openssl: server request"
    printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >"$TLSDIR/server.ext"
    openssl x509 -req -in "$TLSDIR/server.csr" -CA "$TLSDIR/ca.crt" -CAkey "$TLSDIR/ca.key" -CAcreateserial \
        -days 2 -extfile "$TLSDIR/server.ext" -out "$TLSDIR/server.crt" >/dev/null 2>&1 || die "openssl: server certificate"
    chmod 0600 "$TLSDIR"/*.key
    chmod 0644 "$TLSDIR"/*.crt
    [[ $(id -u) -eq 0 ]] && chown -R "$PG_OS_USER": "$TLSDIR"
    SSL_CONF="ssl = on
ssl_cert_file = '$TLSDIR/server.crt'
ssl_key_file = '$TLSDIR/server.key'"
    # TLS only over TCP: a client that does not ask for it is turned away.
    { echo 'hostnossl all all all reject'; cat "$DATADIR/pg_hba.conf"; } >"$TLSDIR/pg_hba.conf"
    cat "$TLSDIR/pg_hba.conf" >"$DATADIR/pg_hba.conf"
fi

# The free port could be taken between picking and binding: retry a few times.
started=0
for attempt in 1 2 3 4 5; do
    PORT=${TROTH_PG_PORT:-$(free_port)}
    cat >"$PGTMP/troth.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKDIR'
max_connections = 200
fsync = off
full_page_writes = off
synchronous_commit = off
log_min_messages = warning
log_connections = off
$PRELOAD
$SSL_CONF
EOF
    [[ $(id -u) -eq 0 ]] && chown "$PG_OS_USER": "$PGTMP/troth.conf"
    grep -q "^include = '$PGTMP/troth.conf'" "$DATADIR/postgresql.conf" ||
        echo "include = '$PGTMP/troth.conf'" >>"$DATADIR/postgresql.conf"
    if (cd "$PGTMP" && as_pg "$BINDIR/pg_ctl" -D "$DATADIR" -l "$LOGFILE" -w -t 60 start >/dev/null 2>&1); then
        started=1
        break
    fi
    log "server did not start on port $PORT (attempt $attempt); log:"
    tail -n 20 "$LOGFILE" >&2 || true
    [[ -n "${TROTH_PG_PORT:-}" ]] && break
done
[[ $started -eq 1 ]] || die "could not start PostgreSQL"

"$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
    -c "CREATE ROLE troth LOGIN SUPERUSER" \
    -c "CREATE DATABASE troth OWNER troth" >/dev/null ||
    die "could not create role/database troth"

export TROTH_TEST_DATABASE_URL="postgres://troth@127.0.0.1:$PORT/troth"
if [[ -n "$SSL_CONF" ]]; then
    export TROTH_TEST_PG_CA="$TLSDIR/ca.crt" TROTH_TEST_PG_OTHER_CA="$TLSDIR/other-ca.crt"
    log "TLS only; TROTH_TEST_PG_CA=$TROTH_TEST_PG_CA"
fi
log "$("$BINDIR/postgres" --version | sed 's/^postgres (PostgreSQL) /PostgreSQL /') from $BINDIR up on 127.0.0.1:$PORT (data $DATADIR)"
log "TROTH_TEST_DATABASE_URL=$TROTH_TEST_DATABASE_URL"

set +e
"$@"
status=$?
set -e
if [[ $status -ne 0 ]]; then
    log "command exited $status; last lines of the server log:"
    tail -n 30 "$LOGFILE" >&2 || true
fi
exit "$status"
