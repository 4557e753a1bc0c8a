"""Shared pieces of the proof harnesses: a troth server driven as a child
process, a small JSON-over-HTTP client, and a private PostgreSQL cluster.

Python 3 standard library only. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import ctypes
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _die_with_parent() -> None:
    """Child processes get SIGKILL if the driver dies without cleaning up."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def exit_on_sigterm() -> None:
    """SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so `finally` cleans up."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def log(prefix: str, *parts: object) -> None:
    print(f"{prefix}: " + " ".join(str(p) for p in parts), flush=True)


def troth_binary() -> str:
    """The release binary: $TROTH_BIN, else $CARGO_TARGET_DIR or ./target."""
    explicit = os.environ.get("TROTH_BIN")
    if explicit:
        return explicit
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    return str(target / "release" / "troth")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def digest(*fields: object) -> str:
    """Content hash of a write: the fields that must come back unchanged."""
    h = hashlib.sha256()
    for f in fields:
        data = json.dumps(f, ensure_ascii=False, sort_keys=True).encode()
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()[:16]


class Unreachable(Exception):
    """The request may or may not have reached the server (no answer read)."""


class Api:
    """One keep-alive connection to troth; not shared between threads."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 15.0):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, method: str, path: str, body: object = None, headers: dict | None = None):
        """Returns (status, parsed JSON or None, raw bytes, response headers).
        Raises Unreachable when no answer came back."""
        hdrs = {"Accept": "application/json"}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=hdrs)
            resp = self.conn.getresponse()
            raw = resp.read()
            resp_headers = {k.lower(): v for k, v in resp.getheaders()}
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise Unreachable(f"{method} {path}: {type(e).__name__}: {e}") from e
        if resp_headers.get("connection", "").lower() == "close":
            self.close()
        parsed = None
        if raw and resp_headers.get("content-type", "").startswith("application/json"):
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
        return resp.status, parsed, raw, resp_headers

    def ok(self, method: str, path: str, body: object = None, expect: tuple = (200, 201, 204)):
        """A call that must succeed (set-up and verification)."""
        status, parsed, raw, _ = self.call(method, path, body)
        if status not in expect:
            raise RuntimeError(f"{method} {path} answered {status}: {raw[:300]!r}")
        return parsed


class Server:
    """`troth serve` as a child process; restartable after a SIGKILL."""

    def __init__(self, database_url: str, port: int, workdir: Path, extra_env: dict | None = None):
        self.database_url = database_url
        self.port = port
        self.public_url = f"http://127.0.0.1:{port}"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen | None = None
        self.env = dict(os.environ, TROTH_LOG=os.environ.get("TROTH_LOG", "warn"))
        self.env.pop("TROTH_CONFIG", None)
        if extra_env:
            self.env.update(extra_env)
        self.starts = 0

    def spawn(self) -> None:
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [troth_binary(), "--database-url", self.database_url, "serve",
             "--bind", f"127.0.0.1:{self.port}", "--public-url", self.public_url],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, env=self.env, cwd=str(self.log_path.parent),
            preexec_fn=_die_with_parent,
        )
        logf.close()
        self.starts += 1

    def healthy(self) -> bool:
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/healthz")
            ok = c.getresponse().status == 200
            c.close()
            return ok
        except (OSError, http.client.HTTPException):
            return False

    def wait_healthy(self, timeout: float = 60.0) -> float:
        """Seconds until /healthz answered 200; raises if it never does."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"troth exited with {self.proc.returncode}; see {self.log_path}:\n"
                                   + self.tail())
            if self.healthy():
                return time.monotonic() - t0
            time.sleep(0.01)
        raise RuntimeError(f"troth not healthy after {timeout}s; see {self.log_path}:\n" + self.tail())

    def start(self, timeout: float = 60.0) -> float:
        self.spawn()
        return self.wait_healthy(timeout)

    def sigkill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def troth_cli(database_url: str, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, TROTH_LOG="warn")
    env.pop("TROTH_CONFIG", None)
    p = subprocess.run([troth_binary(), "--database-url", database_url, *args], capture_output=True,
                       text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise RuntimeError(f"troth {' '.join(args)} failed ({p.returncode}): {p.stdout}{p.stderr}")
    return p


def pg_bindir() -> str:
    out = subprocess.run(["bash", str(REPO / "scripts" / "with-postgres.sh"), "--bindir"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("no PostgreSQL server binaries found (see scripts/with-postgres.sh --bindir)")
    return out.stdout.strip()


class PgCluster:
    """A private PostgreSQL cluster in a temp dir, durable settings (fsync and
    synchronous_commit on: an acknowledged commit must survive an immediate
    stop). As root the server runs as the OS user `postgres`, as
    scripts/with-postgres.sh does."""

    def __init__(self, workdir: Path):
        self.bindir = pg_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="troth-proof-pg.", dir="/tmp"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.logfile = self.root / "postgres.log"
        self.port = free_port()
        self.as_root = os.getuid() == 0
        self.sock.mkdir()
        os.chmod(self.root, 0o755)
        if self.as_root:
            subprocess.run(["id", "-u", "postgres"], check=True, capture_output=True)
            subprocess.run(["chown", "-R", "postgres:", str(self.root)], check=True)

    def _pg(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout, cwd=str(self.root))

    def init(self) -> None:
        for loc in ("C.UTF-8", "C"):
            p = self._pg(f"{self.bindir}/initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                         "--encoding=UTF8", f"--locale={loc}", check=False)
            if p.returncode == 0:
                break
            shutil.rmtree(self.data, ignore_errors=True)
        else:
            raise RuntimeError("initdb failed: " + p.stderr)
        conf = self.root / "proof.conf"
        conf.write_text(
            f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.sock}'\n"
            "max_connections = 200\nfsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
            "log_min_messages = warning\n")
        if self.as_root:
            subprocess.run(["chown", "postgres:", str(conf)], check=True)
        with open(self.data / "postgresql.conf", "a") as f:
            f.write(f"include = '{conf}'\n")
        self.start()
        self.psql("postgres", "CREATE ROLE troth LOGIN SUPERUSER")
        self.psql("postgres", "CREATE DATABASE troth OWNER troth")

    def url(self, db: str = "troth") -> str:
        return f"postgres://troth@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self._pg(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "120", "start")

    def stop_immediate(self) -> None:
        self._pg(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "60", "stop")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            p = self._pg(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop",
                         check=False)
            if p.returncode != 0:
                self._pg(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "15",
                         "stop", check=False)

    def psql(self, db: str, sql: str, user: str = "postgres") -> str:
        psql = os.path.join(self.bindir, "psql")
        if not os.path.exists(psql):
            psql = shutil.which("psql") or "psql"
        p = subprocess.run([psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                            str(self.port), "-U", user, "-d", db, "-c", sql],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"psql failed: {p.stderr}")
        return p.stdout

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
