"""Helpers of bench/mix.sh (Python 3 standard library only).

  mixtool.py users PORT DB_URL COUNT OUT.lua
      Picks COUNT seeded accounts at random from the database (SQLite file or
      PostgreSQL through psql), logs each in (one at a time, so the set-up
      itself adds no memory peak), finds its space, starts or joins this
      week's ritual, and writes a Lua table for bench/mix.lua.
  mixtool.py storm PORT PID N EMAILS_FILE
      N concurrent logins released together: a quarter each of right
      password, wrong password, unknown email with some password, and a
      known email with an empty-ish wrong one. Prints the statuses, the
      server's peak RSS while they ran (sampled every 20 ms) and its RSS
      once all answered.
  mixtool.py rss PID
      Prints VmRSS and VmHWM in KiB.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ in the worktree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Api, Unreachable  # noqa: E402

PASSWORD = "bench-password-1"  # the seed example's password


def rss(pid: int) -> tuple[int, int]:
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                vals[k] = int(v.split()[0])
    return vals.get("VmRSS", 0), vals.get("VmHWM", 0)


def seeded_emails(db_url: str, count: int) -> list[str]:
    sql = f"SELECT email FROM users WHERE email LIKE '%@bench.example' ORDER BY random() LIMIT {int(count)}"
    if db_url.startswith("sqlite:"):
        path = db_url.split("://", 1)[-1].split("?")[0]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return [r[0] for r in con.execute(sql)]
        finally:
            con.close()
    psql = shutil.which("psql") or "psql"
    out = subprocess.run([psql, "-X", "-At", "-d", db_url, "-c", sql], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if line]


def lua_str(s: str) -> str:
    return json.dumps(s)  # a JSON string literal is a valid Lua string literal for these values


def users(port: int, db_url: str, count: int, out: str) -> None:
    emails = seeded_emails(db_url, count)
    rows = []
    origin = f"http://127.0.0.1:{port}"
    for email in emails:
        api = Api(port, timeout=60)
        status, _, raw, headers = api.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"login of {email} answered {status}: {raw[:200]!r}")
        cookie = headers["set-cookie"].split(";")[0]
        h = {"Cookie": cookie, "Origin": origin}
        status, pairs, raw, _ = api.call("GET", "/api/v1/pairs", headers=h)
        if status != 200 or not pairs:
            raise SystemExit(f"GET /api/v1/pairs answered {status}: {raw[:200]!r}")
        space = pairs[0]["id"]
        status, ritual, raw, _ = api.call("POST", f"/api/v1/pairs/{space}/rituals", headers=h)
        if status not in (200, 201):
            raise SystemExit(f"starting the ritual answered {status}: {raw[:200]!r}")
        rows.append((email, cookie, space, ritual["id"]))
        api.close()
    with open(out, "w") as f:
        f.write("return {\n")
        for email, cookie, space, ritual in rows:
            f.write(f"  {{email={lua_str(email)}, cookie={lua_str(cookie)}, space={lua_str(space)}, "
                    f"ritual={lua_str(ritual)}}},\n")
        f.write("}\n")
    with open(out + ".emails", "w") as f:
        f.write("\n".join(emails) + "\n")
    print(f"{len(rows)} users logged in")


def storm(port: int, pid: int, n: int, emails_file: str) -> None:
    emails = [e for e in Path(emails_file).read_text().split() if e]
    rng = random.Random(n)
    plan = []
    for i in range(n):
        kind = ("right", "wrong", "unknown", "wrong-short")[i % 4]
        email = rng.choice(emails) if kind != "unknown" else f"nobody{i}.{rng.randrange(1 << 30)}@bench.example"
        password = {"right": PASSWORD, "wrong": "not-the-password-9", "unknown": "whatever-password-1",
                    "wrong-short": "wrongpass"}[kind]
        plan.append((kind, email, password))
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(n + 1)
    peak = [0]
    done = threading.Event()

    def one(kind: str, email: str, password: str) -> None:
        api = Api(port, timeout=120)
        barrier.wait()
        try:
            status, _, _, _ = api.call("POST", "/api/v1/auth/login", {"email": email, "password": password})
            key = f"{kind}:{status}"
        except Unreachable:
            key = f"{kind}:no-answer"
        api.close()
        with lock:
            statuses[key] = statuses.get(key, 0) + 1

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss(pid)[0])
            time.sleep(0.02)

    threads = [threading.Thread(target=one, args=p) for p in plan]
    for t in threads:
        t.start()
    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.monotonic()
    barrier.wait()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    done.set()
    sampler.join()
    now, hwm = rss(pid)
    print(json.dumps({"logins": n, "seconds": round(took, 2), "peak_rss_kib": max(peak[0], now),
                      "rss_after_kib": now, "hwm_kib": hwm, "statuses": dict(sorted(statuses.items()))}))


def main() -> None:
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "users":
        users(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif cmd == "storm":
        storm(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif cmd == "rss":
        print(*rss(int(sys.argv[2])))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
