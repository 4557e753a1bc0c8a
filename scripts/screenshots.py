#!/usr/bin/env python3
"""The README's screenshots, taken from `troth demo` in real Chromium.

    python3 scripts/screenshots.py [TROTH_BIN] [OUT_DIR]

Makes the demo in a throwaway folder, serves it on 127.0.0.1, logs in as
Ana through the login form (ChromeDriver, started here), and saves the home
of the demo space at 1280 px (docs/screenshot.png) and at 390 px
(docs/screenshot-phone.png). Needs chromium and chromedriver (Debian's, as
in CI). Every wait is bounded; the server and the driver go on exit.
"""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/troth"
OUT = sys.argv[2] if len(sys.argv) > 2 else "docs"
CHROMIUM = os.environ.get("TROTH_TEST_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("TROTH_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered at {url}")


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.loads(res.read() or b"{}")


def main():
    work = tempfile.mkdtemp(prefix="troth-shots-")
    db = f"sqlite://{work}/troth.db?mode=rwc"
    procs = []
    try:
        demo = subprocess.run([BIN, "demo", "--database-url", db], capture_output=True, text=True, timeout=300)
        if demo.returncode != 0:
            raise SystemExit(f"troth demo failed: {demo.stderr}")
        emails = re.findall(r"\S+@\S+", demo.stdout)
        password = re.search(r"password: ([^)\s]+)", demo.stdout).group(1)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        procs.append(subprocess.Popen([BIN, "serve", "--database-url", db, "--bind", f"127.0.0.1:{port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"{base}/healthz")
        dport = free_port()
        procs.append(subprocess.Popen([DRIVER, f"--port={dport}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wd = f"http://127.0.0.1:{dport}"
        wait_for(f"{wd}/status")
        for width, height, name in [(1280, 900, "screenshot.png"), (390, 844, "screenshot-phone.png")]:
            profile = tempfile.mkdtemp(prefix="troth-shots-chrome-")
            args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},{height}"]
            opts = {"binary": CHROMIUM, "args": args}
            if width < 500:
                opts["mobileEmulation"] = {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0}}
            caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": opts}}}
            sid = call("POST", f"{wd}/session", caps)["value"]["sessionId"]
            s = f"{wd}/session/{sid}"
            try:
                call("POST", f"{s}/url", {"url": f"{base}/login"})
                for field, value in [("#email", emails[0]), ("#password", password)]:
                    el = call("POST", f"{s}/element", {"using": "css selector", "value": field})["value"]
                    eid = list(el.values())[0]
                    call("POST", f"{s}/element/{eid}/value", {"text": value})
                button = call("POST", f"{s}/element", {"using": "css selector", "value": "button[type=submit]"})["value"]
                call("POST", f"{s}/element/{list(button.values())[0]}/click", {})
                # Logged in: the spaces list (or the one space); open the demo space's home.
                deadline = time.time() + 20
                while "/login" in call("GET", f"{s}/url")["value"] and time.time() < deadline:
                    time.sleep(0.2)
                link = call("POST", f"{s}/execute/sync", {
                    "script": "const a = [...document.querySelectorAll('a[href^=\"/spaces/\"]')][0]; return a ? a.getAttribute('href') : location.pathname",
                    "args": []})["value"]
                home = re.match(r"/spaces/[0-9a-f]+", link).group(0)
                call("POST", f"{s}/url", {"url": f"{base}{home}"})
                time.sleep(1)
                png = base64.b64decode(call("GET", f"{s}/screenshot")["value"])
                with open(os.path.join(OUT, name), "wb") as f:
                    f.write(png)
                print(f"{name}: {width}x{height}, {len(png)} bytes")
            finally:
                call("DELETE", s)
                shutil.rmtree(profile, ignore_errors=True)
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
