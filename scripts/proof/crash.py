"""Crash consistency of troth under SIGKILL (driver of scripts/proof-crash.sh).

Client threads write through the HTTP API (notes in all three visibilities,
note edits, appreciations, promises) and record every write, with its content
hash, as acknowledged (2xx, id returned), refused (4xx: must not exist) or
unknown (no answer / 5xx: may exist, but only whole). Meanwhile the server is
killed with SIGKILL at random, bounded moments (sometimes while it is still
starting) and restarted; on PostgreSQL some cycles also stop PostgreSQL with
`pg_ctl -m immediate` under the writers and start it again, and the same
server process must recover by itself.

At the end every acknowledged write must be there with exactly its content
(read back one by one, in the author's export and, when shared, as the
partner), nothing unknown may be there half written, and on SQLite
`PRAGMA integrity_check` and `PRAGMA foreign_key_check` must be clean.
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
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ in the worktree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Api, PgCluster, Server, Unreachable, digest, exit_on_sigterm, free_port, log  # noqa: E402

P = "proof-crash"
PASSWORD = "proof-password-1"
# One-line words (titles, appreciations, promises) and, for bodies, a few
# with line breaks; non-ASCII and markup so that a cut or a re-encoding shows.
WORDS = ("kept", "promise", "Wednesday", "dinner", "thank you", "walk", "heard", "späť", "naïve",
         "日本", "🙂", "quotes \"here\"", "<b>not html</b>", "ok")
BODY_WORDS = WORDS + ("line\nbreak", "two\n\nparagraphs")


def text(rng: random.Random, lo: int, hi: int, multi_line: bool = False) -> str:
    pool = BODY_WORDS if multi_line else WORDS
    n = rng.randint(lo, hi)
    out = []
    size = 0
    while size < n:
        w = rng.choice(pool)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n].strip() or "x"


@dataclass
class Write:
    """One attempted write and what the server said about it."""
    kind: str            # note | note_edit | appreciation | promise
    client: int
    space: str
    content: dict
    outcome: str = "pending"   # acked | refused | unknown
    status: int | None = None
    item_id: str | None = None
    target: str | None = None  # for note_edit: the note id
    finished: float = 0.0      # monotonic time the answer (or its absence) came back

    def hash(self) -> str:
        return digest(self.kind if self.kind != "note_edit" else "note", self.content)


# The export (GET /api/v1/me/export) lists at most 1000 promises and 1000
# appreciations per space, so a writer moves on to its next space well before.
PER_SPACE = 900


@dataclass
class Client:
    index: int
    author_token: str
    partner_token: str
    spaces: list
    writes: list = field(default_factory=list)
    editable: list = field(default_factory=list)  # acked shared/private notes this client wrote
    current: int = 0
    load: dict = field(default_factory=dict)      # (space, kind) -> attempts

    @property
    def space(self) -> str:
        return self.spaces[self.current]

    def room_for(self, kind: str) -> bool:
        """Moves to the next space when this one is nearly at the export's cap."""
        while self.load.get((self.space, kind), 0) >= PER_SPACE:
            if self.current + 1 >= len(self.spaces):
                return False
            self.current += 1
        self.load[(self.space, kind)] = self.load.get((self.space, kind), 0) + 1
        return True


def register(port: int, origin: str, email: str, name: str) -> str:
    """Registers, logs in with a cookie, and returns a personal token."""
    api = Api(port)
    status, _, raw, headers = api.call("POST", "/api/v1/auth/register",
                                       {"email": email, "password": PASSWORD, "display_name": name})
    if status not in (200, 201):
        raise RuntimeError(f"register answered {status}: {raw[:200]!r}")
    status, _, raw, headers = api.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login answered {status}: {raw[:200]!r}")
    cookie = headers.get("set-cookie", "").split(";")[0]
    status, body, raw, _ = api.call("POST", "/api/v1/auth/tokens", {"name": "proof"},
                                    headers={"Cookie": cookie, "Origin": origin})
    if status not in (200, 201) or not body or "token" not in body:
        raise RuntimeError(f"token answered {status}: {raw[:200]!r}")
    api.close()
    return body["token"]


def set_up(port: int, origin: str, clients: int, spaces: int = 1) -> list[Client]:
    """Each client: a writer and a partner sharing `spaces` spaces."""
    out = []
    for c in range(clients):
        a = register(port, origin, f"writer{c}@proof.example", f"Writer {c}")
        b = register(port, origin, f"partner{c}@proof.example", f"Partner {c}")
        api_a, api_b = Api(port, a), Api(port, b)
        ids = []
        for n in range(spaces):
            space = api_a.ok("POST", "/api/v1/pairs", {"name": f"Proof {c}.{n}"})["id"]
            code = api_a.ok("POST", f"/api/v1/pairs/{space}/invites")["code"]
            api_b.ok("POST", f"/api/v1/invites/{code}/accept")
            ids.append(str(space))
        api_a.close()
        api_b.close()
        out.append(Client(c, a, b, ids))
    return out


def one_write(api: Api, cl: Client, rng: random.Random, seq: int, edits: bool = True) -> Write:
    roll = rng.random()
    tag = f"c{cl.index}-{seq}"
    if roll >= 0.55 and not cl.room_for("appreciation" if roll < 0.8 else "promise"):
        roll = 0.5  # every space is full of those: write a note instead
    base = f"/api/v1/pairs/{cl.space}"
    if edits and roll < 0.15 and cl.editable:
        note = rng.choice(cl.editable)
        base = f"/api/v1/pairs/{note['space']}"
        w = Write("note_edit", cl.index, note["space"], {}, target=note["id"])
        w.content = {"visibility": note["visibility"], "title": f"{tag} edit of {note['seq']}",
                     "body": text(rng, 1, 6000, multi_line=True)}
        method, path, body = "PATCH", f"{base}/notes/{note['id']}", {"title": w.content["title"],
                                                                       "body": w.content["body"]}
    elif roll < 0.55:
        vis = rng.choice(["private", "shared", "sealed"])
        w = Write("note", cl.index, cl.space, {"visibility": vis, "title": f"{tag} {text(rng, 1, 60)}",
                                                 "body": text(rng, 1, 8000, multi_line=True)})
        method, path, body = "POST", f"{base}/notes", w.content
    elif roll < 0.8:
        w = Write("appreciation", cl.index, cl.space, {"text": f"{tag} {text(rng, 1, 200)}"})
        method, path, body = "POST", f"{base}/appreciations", w.content
    else:
        w = Write("promise", cl.index, cl.space, {"text": f"{tag} {text(rng, 1, 200)}"})
        method, path, body = "POST", f"{base}/promises", dict(w.content, confirm_overcommit=True)
    try:
        status, resp, _, _ = api.call(method, path, body)
    except Unreachable:
        w.outcome = "unknown"
        return w
    w.status = status
    if 200 <= status < 300:
        w.outcome = "acked"
        w.item_id = str((resp or {}).get("id") or w.target or "")
        returned = echo(w.kind, resp or {})
        if returned != w.content:
            w.outcome = "acked_wrong_echo"
        if w.kind == "note" and w.content["visibility"] != "sealed":
            cl.editable.append({"id": w.item_id, "space": w.space, "visibility": w.content["visibility"],
                                "seq": seq})
        if w.kind == "note_edit":
            w.item_id = w.target
    elif 400 <= status < 500:
        w.outcome = "refused"
    else:
        w.outcome = "unknown"  # 5xx: the server says it failed; checked as "whole or absent"
    return w


def echo(kind: str, item: dict) -> dict:
    """The content of an item as the server shows it to its author."""
    if kind in ("note", "note_edit"):
        sealed = item.get("sealed") or {}
        body = sealed.get("my_part") if item.get("visibility") == "sealed" else item.get("body")
        return {"visibility": item.get("visibility"), "title": item.get("title"), "body": body}
    return {"text": item.get("text")}


def writer(port: int, cl: Client, stop: threading.Event, seed: int, counts: dict, lock: threading.Lock,
           edits: bool = True) -> None:
    rng = random.Random(seed)
    api = Api(port, cl.author_token, timeout=10)
    seq = 0
    while not stop.is_set():
        seq += 1
        w = one_write(api, cl, rng, seq, edits)
        w.finished = time.monotonic()
        cl.writes.append(w)
        key = w.outcome if w.outcome != "unknown" else (
            "unknown:no-answer" if w.status is None else f"unknown:{w.status}")
        with lock:
            counts[key] = counts.get(key, 0) + 1
        if w.outcome == "unknown" and w.status is None:
            time.sleep(0.02)  # the server is down: don't spin
    api.close()


def verify(port: int, clients: list[Client]) -> tuple[int, int, list[str]]:
    """Returns (acknowledged, verified, problems)."""
    problems: list[str] = []
    acked = verified = 0
    for cl in clients:
        author = Api(port, cl.author_token, timeout=60)
        partner = Api(port, cl.partner_token, timeout=60)
        export = author.ok("GET", "/api/v1/me/export")
        found = {}
        for space in cl.spaces:
            spaces = [s for s in export["spaces"] if str(s["space"]["id"]) == space]
            if len(spaces) != 1:
                problems.append(f"client {cl.index}: space {space} missing from the export")
                continue
            sp = spaces[0]
            found.update({("note", str(e["id"])): e for e in sp["entries"]})
            found.update({("appreciation", str(a["id"])): a for a in sp["appreciations"]})
            found.update({("promise", str(p["id"])): p for p in sp["promises"]})

        # What each note may look like now: its last acknowledged version, or
        # any later unacknowledged edit (it may have landed before the kill).
        note_versions: dict[str, list[dict]] = {}
        note_acked_last: dict[str, dict] = {}
        attempts_by_kind: dict[str, list[dict]] = {"note": [], "appreciation": [], "promise": []}
        for w in cl.writes:
            k = "note" if w.kind == "note_edit" else w.kind
            attempts_by_kind[k].append(w.content)
            if w.kind == "note" and w.outcome.startswith("acked"):
                note_versions[w.item_id] = [w.content]
                note_acked_last[w.item_id] = w.content
            elif w.kind == "note_edit" and w.target in note_versions:
                if w.outcome.startswith("acked"):
                    note_versions[w.target] = [w.content]
                    note_acked_last[w.target] = w.content
                elif w.outcome == "unknown":
                    note_versions[w.target].append(w.content)

        for w in cl.writes:
            if w.outcome == "acked_wrong_echo":
                problems.append(f"client {cl.index}: {w.kind} {w.item_id} acknowledged with other content")
            if not w.outcome.startswith("acked") or w.kind == "note_edit":
                continue
            acked += 1
            key = (w.kind, w.item_id)
            item = found.get(key)
            if item is None:
                problems.append(f"LOST: client {cl.index} {w.kind} {w.item_id} (acknowledged {w.status})")
                continue
            if w.kind == "note":
                allowed = note_versions[w.item_id]
                got = echo("note", item)
                if got not in allowed:
                    problems.append(f"CHANGED: note {w.item_id} is {digest('note', got)}, expected one of "
                                    f"{[digest('note', a) for a in allowed]}")
                    continue
                one = author.ok("GET", f"/api/v1/pairs/{w.space}/notes/{w.item_id}")
                if echo("note", one) != got:
                    problems.append(f"note {w.item_id}: read alone differs from the export")
                    continue
                vis = got["visibility"]
                pstatus, pview, _, _ = partner.call("GET", f"/api/v1/pairs/{w.space}/notes/{w.item_id}")
                if vis == "shared" and (pstatus != 200 or pview.get("body") != got["body"]):
                    problems.append(f"note {w.item_id}: the partner reads {pstatus} or other text")
                    continue
                if vis == "private" and pstatus != 404:
                    problems.append(f"note {w.item_id}: private note answered {pstatus} to the partner")
                    continue
                if vis == "sealed" and (pstatus != 200 or (pview.get("sealed") or {}).get("partner_part")
                                        or not (pview.get("sealed") or {}).get("partner_has_written")):
                    problems.append(f"note {w.item_id}: sealed note wrong for the partner ({pstatus})")
                    continue
            elif w.kind == "promise":
                if echo("promise", item) != w.content:
                    problems.append(f"CHANGED: promise {w.item_id}")
                    continue
                one = author.ok("GET", f"/api/v1/pairs/{w.space}/promises/{w.item_id}")
                # A new promise has no events yet; it must read open (or
                # missed), whole, and equal to the export.
                if one.get("text") != w.content["text"] or one.get("status") not in ("open", "missed"):
                    problems.append(f"HALF: promise {w.item_id} reads {one.get('status')!r}")
                    continue
            else:
                if echo("appreciation", item) != w.content:
                    problems.append(f"CHANGED: appreciation {w.item_id}")
                    continue
            verified += 1

        # Nothing there that was never asked for, nothing half written: every
        # item carrying this client's tag equals some attempt exactly.
        prefix = f"c{cl.index}-"
        for (kind, iid), item in found.items():
            got = echo(kind, item)
            label = got.get("title") or got.get("text") or ""
            if not label.startswith(prefix):
                continue
            if got not in attempts_by_kind[kind]:
                problems.append(f"HALF/UNKNOWN: {kind} {iid} matches no attempted write")
            if kind == "note" and iid in note_acked_last and got not in note_versions[iid]:
                problems.append(f"STALE: note {iid} lost an acknowledged edit")
        # refused writes must not be there
        for w in cl.writes:
            if w.outcome == "refused" and w.kind != "note_edit":
                kind = w.kind
                if any(echo(kind, it) == w.content for (k, _), it in found.items() if k == kind):
                    problems.append(f"REFUSED BUT STORED: {kind} ({w.status})")
        author.close()
        partner.close()
    return acked, verified, problems


def sqlite_checks(path: Path) -> list[str]:
    problems = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            problems.append(f"PRAGMA integrity_check: {rows[:5]}")
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"PRAGMA foreign_key_check: {len(fk)} rows, first {fk[:3]}")
    finally:
        con.close()
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--max-up", type=float, default=0.8, help="longest time (s) the server runs before a kill")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--inject-loss", action="store_true",
                    help="self-test: delete one acknowledged appreciation behind the server's back; must fail")
    ap.add_argument("--pg-kill-every", type=int, default=5, help="PostgreSQL: every Nth cycle also kills PostgreSQL")
    args = ap.parse_args()
    exit_on_sigterm()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    log(P, f"backend {args.backend}, {args.kills} kills, {args.clients} writers, seed {seed}")

    work = Path(tempfile.mkdtemp(prefix="troth-proof-crash."))
    pg = None
    server = None
    stop = threading.Event()
    threads: list[threading.Thread] = []
    problems: list[str] = []
    acked = verified = 0
    pg_kills = startup_kills = 0
    t_start = time.monotonic()
    try:
        if args.backend == "sqlite":
            db_path = work / "troth.db"
            url = f"sqlite://{db_path}?mode=rwc"
        else:
            pg = PgCluster(work)
            pg.init()
            url = pg.url()
        port = free_port()
        server = Server(url, port, work)
        server.start()
        # Enough spaces that none reaches the export's cap (about 60 promises
        # and appreciations per client per kill on this machine).
        clients = set_up(port, server.public_url, args.clients, spaces=max(2, args.kills // 12))
        counts: dict[str, int] = {}
        lock = threading.Lock()
        for cl in clients:
            t = threading.Thread(target=writer, args=(port, cl, stop, rng.randrange(1 << 30), counts, lock),
                                 daemon=True)
            t.start()
            threads.append(t)

        for cycle in range(1, args.kills + 1):
            if pg is not None and args.pg_kill_every > 0 and cycle % args.pg_kill_every == 0:
                # PostgreSQL dies under the writers; the same troth process must
                # come back by itself once it is up again.
                time.sleep(rng.uniform(0.05, args.max_up))
                pg.stop_immediate()
                time.sleep(rng.uniform(0.0, 0.5))
                pg.start()
                pg_kills += 1
                t0 = time.monotonic()
                while time.monotonic() - t0 < 30:
                    if answers_from_database(port, clients[0]):
                        break
                    time.sleep(0.1)
                else:
                    problems.append(f"cycle {cycle}: troth did not recover within 30 s after PostgreSQL restarted")
            if rng.random() < 0.1:
                # Kill while it starts (migrations, pool warm-up).
                server.sigkill()
                server.spawn()
                time.sleep(rng.uniform(0.0, 0.08))
                startup_kills += 1
            else:
                time.sleep(rng.uniform(0.02, args.max_up))
            server.sigkill()
            server.start(timeout=60)
            if cycle % 25 == 0 or cycle == args.kills:
                log(P, f"cycle {cycle}/{args.kills}: {dict(sorted(counts.items()))}")
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        # One last kill, then verify on a fresh process.
        server.sigkill()
        if args.inject_loss:
            inject_loss(clients, db_path if args.backend == "sqlite" else None, pg)
        if args.backend == "sqlite":
            problems += sqlite_checks(db_path)
        server.start()
        acked, verified, found = verify(port, clients)
        problems += found
        server.stop()
        if args.backend == "sqlite":
            problems += sqlite_checks(db_path)
        attempted = sum(len(c.writes) for c in clients)
        log(P, f"attempted {attempted} writes: {dict(sorted(counts.items()))}")
        log(P, f"server kills {args.kills} (of which {startup_kills} during start-up), "
               f"PostgreSQL immediate stops {pg_kills}, elapsed {time.monotonic() - t_start:.0f} s")
    except Exception as e:  # report, then fail
        problems.append(f"harness error: {type(e).__name__}: {e}")
        if server is not None:
            print(server.tail(), file=sys.stderr)
    finally:
        stop.set()
        if server is not None:
            server.sigkill()
        if pg is not None:
            pg.cleanup()
        shutil.rmtree(work, ignore_errors=True)

    lost = sum(1 for p in problems if p.startswith("LOST"))
    log(P, f"acknowledged {acked}, verified {verified}, lost {lost}")
    for p in problems[:50]:
        log(P, "PROBLEM", p)
    if len(problems) > 50:
        log(P, f"... and {len(problems) - 50} more problems")
    failed = 1 if problems or verified != acked or acked == 0 else 0
    print(f"proof-crash: {1 - failed} passed, {failed} failed", flush=True)
    return failed


def inject_loss(clients: list[Client], db_path: Path | None, pg: PgCluster | None) -> None:
    """Deletes one acknowledged appreciation directly in the database, so the
    run shows that the harness notices a loss."""
    victim = next(w for c in clients for w in c.writes if w.kind == "appreciation" and w.outcome == "acked")
    row_id = int(victim.item_id, 16)
    if db_path is not None:
        con = sqlite3.connect(db_path)
        con.execute("DELETE FROM appreciations WHERE id = ?", (row_id,))
        con.commit()
        con.close()
    else:
        pg.psql("troth", f"DELETE FROM appreciations WHERE id = {row_id}")
    log(P, f"self-test: deleted acknowledged appreciation {victim.item_id}")


def answers_from_database(port: int, cl: Client) -> bool:
    api = Api(port, cl.author_token, timeout=5)
    try:
        status, _, _, _ = api.call("GET", f"/api/v1/pairs/{cl.space}/notes?limit=1")
        return status == 200
    except Unreachable:
        return False
    finally:
        api.close()


if __name__ == "__main__":
    sys.exit(main())
