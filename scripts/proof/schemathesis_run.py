"""Schemathesis against a fresh troth (driver of scripts/proof-schemathesis.sh).

Starts troth on 127.0.0.1 (SQLite, or a private PostgreSQL cluster), makes a
user with a personal token and a space shared with a partner (plus a note, a
promise, an appreciation, a pulse and this week's ritual, so the path
parameters schemathesis is given name real things), then runs

  schemathesis run http://127.0.0.1:PORT/api/v1/openapi.json
      -H 'Authorization: Bearer TOKEN' --max-examples N --checks all
      --exclude-checks positive_data_acceptance

with the ids passed as fixed path parameters. Operations that would end the
test user (DELETE /api/v1/me, leaving the space, logging out) are left out.
Exit status: schemathesis's (non-zero when a check failed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ in the worktree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Api, PgCluster, Server, exit_on_sigterm, free_port, log  # noqa: E402
from crash import set_up  # noqa: E402

P = "proof-schemathesis"
# Every check but one: positive_data_acceptance expects every schema-valid
# request to be accepted, and the server refuses some with 422 by rules a
# JSON Schema does not state (a name needs a visible character and no control
# or bidi characters, a time zone must exist, a due time must not be past).
DEFAULT_CHECKS = "all"
DEFAULT_EXCLUDED = "positive_data_acceptance"
DESTRUCTIVE = r"^(DELETE /api/v1/me|POST /api/v1/pairs/\{pair_id\}/leave|POST /api/v1/auth/logout)$"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--max-examples", type=int, default=25)
    ap.add_argument("--checks", default=DEFAULT_CHECKS)
    ap.add_argument("--exclude-checks", default=DEFAULT_EXCLUDED,
                    help="checks to leave out of --checks ('' to leave none out)")
    ap.add_argument("--max-time", type=int, default=None, help="seconds; schemathesis's own time budget")
    ap.add_argument("--schemathesis", required=True, help="path of the schemathesis executable")
    ap.add_argument("--report-dir", default=None, help="keep schemathesis's JUnit and NDJSON reports here")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    exit_on_sigterm()
    work = Path(tempfile.mkdtemp(prefix="troth-proof-st."))
    pg = server = None
    rc = 1
    try:
        if args.backend == "sqlite":
            url = f"sqlite://{work / 'troth.db'}?mode=rwc"
        else:
            pg = PgCluster(work)
            pg.init()
            url = pg.url()
        server = Server(url, free_port(), work)
        server.start()
        cl = set_up(server.port, server.public_url, 1)[0]
        api = Api(server.port, cl.author_token)
        base = f"/api/v1/pairs/{cl.space}"
        note = api.ok("POST", f"{base}/notes", {"visibility": "shared", "title": "A note", "body": "Written."})
        promise = api.ok("POST", f"{base}/promises", {"text": "Cook on Friday", "confirm_overcommit": True})
        appreciation = api.ok("POST", f"{base}/appreciations", {"text": "Thanks for the walk"})
        pulse = api.ok("POST", f"{base}/pulses", {"emotional": 4, "instrumental": 4, "informational": 4,
                                                  "self": 4, "situational": 4, "physical": 4, "note": ""})
        ritual = api.ok("POST", f"{base}/rituals")
        invite = api.ok("POST", "/api/v1/pairs", {"name": "Second"})
        invite_made = api.ok("POST", f"/api/v1/pairs/{invite['id']}/invites")
        invite_code = invite_made["code"]
        # One of each other thing, so that their operations reach real rows.
        exchange = api.ok("POST", f"{base}/exchanges", {"prompt": "What helped this week?", "part": "The walk."})
        goal = api.ok("POST", f"{base}/goals", {"title": "Cook together", "milestones": ["Pick a recipe"]})
        experience = api.ok("POST", f"{base}/experiences", {"title": "A picnic"})
        entry = api.ok("POST", f"{base}/journal", {"title": "Sunday", "happened": "We talked."})
        moment = api.ok("POST", f"{base}/timeline", {"date": "2019-05-04", "kind": "built", "title": "The move"})
        rating = {"rating": 6, "note": "Mostly."}
        reflection = api.ok("POST", "/api/v1/me/reflections", {"competence": rating, "consistency": rating,
                                                               "integrity": rating, "compassion": rating})
        exercises = api.ok("GET", "/api/v1/library/exercises")
        exercise_id = (exercises[0] if isinstance(exercises, list) else exercises["exercises"][0])["id"]
        api.close()
        pulse_id = (pulse.get("pulse") or pulse).get("id")
        config = work / "schemathesis.toml"
        config.write_text(
            "[parameters]\n"
            f'"path.pair_id" = "{cl.space}"\n'
            f'"path.note_id" = "{note["id"]}"\n'
            f'"path.promise_id" = "{promise["id"]}"\n'
            f'"path.appreciation_id" = "{appreciation["id"]}"\n'
            f'"path.pulse_id" = "{pulse_id}"\n'
            f'"path.ritual_id" = "{ritual["id"]}"\n'
            f'"path.code" = "{invite_code}"\n'
            f'"path.invite_id" = "{invite_made["id"]}"\n'
            f'"path.exchange_id" = "{exchange["id"]}"\n'
            f'"path.goal_id" = "{goal["id"]}"\n'
            f'"path.milestone_id" = "{goal["milestones"][0]["id"]}"\n'
            f'"path.experience_id" = "{experience["id"]}"\n'
            f'"path.entry_id" = "{entry["id"]}"\n'
            f'"path.moment_id" = "{moment["id"]}"\n'
            f'"path.reflection_id" = "{reflection["id"]}"\n'
            f'"path.exercise_id" = "{exercise_id}"\n'
            # A body refused for its size (413) is refused: a text at its
            # maxLength in characters may be over the body limit in bytes
            # once escaped.
            "\n[checks.negative_data_rejection]\n"
            'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", '
            '"429"]\n')
        cmd = [args.schemathesis, "--config-file", str(config), "run",
               f"{server.public_url}/api/v1/openapi.json",
               "-H", f"Authorization: Bearer {cl.author_token}",
               "--checks", args.checks, "--max-examples", str(args.max_examples),
               "--exclude-name-regex", DESTRUCTIVE, "--request-timeout", "20",
               "--suppress-health-check", "all", "--workers", "2"]
        if args.exclude_checks:
            cmd += ["--exclude-checks", args.exclude_checks]
        if args.max_time:
            cmd += ["--max-time", str(args.max_time)]
        if args.seed is not None:
            cmd += ["--seed", str(args.seed)]
        if args.report_dir:
            cmd += ["--report", "junit,ndjson", "--report-dir", args.report_dir]
        log(P, f"backend {args.backend}; checks {args.checks}; max examples {args.max_examples}")
        env = dict(os.environ, NO_COLOR="1", SCHEMATHESIS_TELEMETRY="false")
        rc = subprocess.run(cmd, env=env, cwd=str(work), stdin=subprocess.DEVNULL).returncode
        if server.proc.poll() is not None:
            log(P, f"PROBLEM: troth exited during the run ({server.proc.returncode})")
            rc = rc or 1
        elif not server.healthy():
            log(P, "PROBLEM: troth stopped answering /healthz after the run")
            rc = rc or 1
        panics = [l for l in server.log_path.read_text(errors="replace").splitlines() if "panicked" in l]
        if panics:
            log(P, f"PROBLEM: {len(panics)} panics in the server log, first: {panics[0]}")
            rc = rc or 1
    except Exception as e:
        log(P, f"harness error: {type(e).__name__}: {e}")
        if server is not None:
            print(server.tail(), file=sys.stderr)
        rc = 1
    finally:
        if server is not None:
            server.sigkill()
        if pg is not None:
            pg.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    print(f"proof-schemathesis: {1 if rc == 0 else 0} passed, {0 if rc == 0 else 1} failed", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
