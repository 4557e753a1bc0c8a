"""Online backup under writes (driver of scripts/proof-backup.sh).

Writers add notes, appreciations and promises through the HTTP API while
`troth backup FILE` runs against the live SQLite database, several times.
Each backup is restored with `troth restore` into a new database, which a
second server then serves. For each backup:
  - every write acknowledged before the backup began is in the restored
    database with exactly its content (read through the API, export and one
    by one);
  - every tagged item there equals some attempted write (nothing half there);
  - each table's row count lies between the live database's count just
    before the backup began and just after it ended (a consistent snapshot,
    the writers only insert);
  - `PRAGMA integrity_check` is ok on the backup file and the restored copy.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ in the worktree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Api, Server, exit_on_sigterm, free_port, log, troth_cli  # noqa: E402
from crash import echo, set_up, sqlite_checks, writer  # noqa: E402

P = "proof-backup"


def table_counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        # one read transaction: all counts from the same snapshot
        con.execute("BEGIN")
        out = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        con.execute("COMMIT")
        return out
    finally:
        con.close()


def check_restored(port: int, clients, cutoff: float) -> tuple[int, list[str]]:
    """Every write acknowledged before `cutoff` is there, exactly."""
    problems: list[str] = []
    checked = 0
    for cl in clients:
        api = Api(port, cl.author_token, timeout=60)
        export = api.ok("GET", "/api/v1/me/export")
        sp = [s for s in export["spaces"] if str(s["space"]["id"]) == cl.space]
        if len(sp) != 1:
            problems.append(f"client {cl.index}: space missing from the restored export")
            continue
        sp = sp[0]
        found = {("note", str(e["id"])): e for e in sp["entries"]}
        found.update({("appreciation", str(a["id"])): a for a in sp["appreciations"]})
        found.update({("promise", str(p["id"])): p for p in sp["promises"]})
        attempts = {"note": [], "appreciation": [], "promise": []}
        for w in list(cl.writes):
            attempts[w.kind].append(w.content)
            if w.outcome != "acked" or w.finished >= cutoff:
                continue
            checked += 1
            item = found.get((w.kind, w.item_id))
            if item is None:
                problems.append(f"MISSING: {w.kind} {w.item_id} acknowledged before the backup began")
            elif echo(w.kind, item) != w.content:
                problems.append(f"CHANGED: {w.kind} {w.item_id}")
            elif w.kind == "note":
                one = api.ok("GET", f"/api/v1/pairs/{w.space}/notes/{w.item_id}")
                if echo("note", one) != w.content:
                    problems.append(f"CHANGED: note {w.item_id} read alone")
        prefix = f"c{cl.index}-"
        for (kind, iid), item in found.items():
            got = echo(kind, item)
            if (got.get("title") or got.get("text") or "").startswith(prefix) and got not in attempts[kind]:
                problems.append(f"HALF: {kind} {iid} matches no attempted write")
        api.close()
    return checked, problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backups", type=int, default=3)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of writes before the first backup")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    exit_on_sigterm()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    log(P, f"{args.backups} backups under {args.clients} writers, seed {seed}")
    work = Path(tempfile.mkdtemp(prefix="troth-proof-backup."))
    problems: list[str] = []
    server = restored_server = None
    stop = threading.Event()
    threads = []
    passed = 0
    try:
        live = work / "live.db"
        server = Server(f"sqlite://{live}?mode=rwc", free_port(), work)
        server.start()
        clients = set_up(server.port, server.public_url, args.clients)
        counts: dict[str, int] = {}
        lock = threading.Lock()
        for cl in clients:
            t = threading.Thread(target=writer, daemon=True,
                                 args=(server.port, cl, stop, rng.randrange(1 << 30), counts, lock, False))
            t.start()
            threads.append(t)
        time.sleep(args.warmup)
        for b in range(1, args.backups + 1):
            before = table_counts(live)
            cutoff = time.monotonic()
            file = work / f"backup-{b}.db"
            t0 = time.monotonic()
            troth_cli(server.database_url, "backup", str(file))
            took = time.monotonic() - t0
            after = table_counts(live)
            acked_so_far = sum(1 for c in clients for w in list(c.writes) if w.outcome == "acked")
            mode = file.stat().st_mode & 0o777
            if mode & 0o077:
                # Reported, not failed: issue 11 asks for 0600 and the fix lands elsewhere.
                log(P, f"note: backup {file.name} is mode {mode:04o}: readable by other local users")
            bad = sqlite_checks(file)
            restored = work / f"restored-{b}" / "troth.db"
            troth_cli(f"sqlite://{restored}?mode=rwc", "restore", str(file))
            bad += sqlite_checks(restored)
            got = table_counts(restored)
            for t in sorted(set(before) | set(after) | set(got)):
                lo, hi, n = before.get(t, 0), after.get(t, 0), got.get(t)
                if n is None or not lo <= n <= hi:
                    bad.append(f"table {t}: {n} rows restored, live had {lo} before and {hi} after")
            restored_server = Server(f"sqlite://{restored}?mode=rw", free_port(), restored.parent)
            restored_server.start()
            checked, found = check_restored(restored_server.port, clients, cutoff)
            bad += found
            restored_server.stop()
            restored_server = None
            grown = {t: f"{before[t]}..{after[t]}" for t in before if before[t] != after.get(t)}
            log(P, f"backup {b}: {file.stat().st_size // 1024} KiB in {took:.2f} s while "
                   f"{acked_so_far} writes acknowledged so far; {checked} acknowledged before it began, "
                   f"all checked; rows {sum(got.values())} (tables growing during it: {grown or 'none'}); "
                   f"{'ok' if not bad else 'PROBLEMS'}")
            problems += [f"backup {b}: {p}" for p in bad]
            passed += 0 if bad else 1
            time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        log(P, f"writes: {dict(sorted(counts.items()))}")
    except Exception as e:
        problems.append(f"harness error: {type(e).__name__}: {e}")
        if server is not None:
            print(server.tail(), file=sys.stderr)
    finally:
        stop.set()
        for s in (server, restored_server):
            if s is not None:
                s.sigkill()
        shutil.rmtree(work, ignore_errors=True)
    for p in problems[:50]:
        log(P, "PROBLEM", p)
    failed = args.backups - passed
    print(f"proof-backup: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
