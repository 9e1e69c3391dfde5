"""Take screenshots of the running Odoo as a logged-in user (headless Chromium over CDP).

Usage: .venv/bin/python tools/screenshot.py URL_PATH OUT.png [URL_PATH OUT.png ...]
       env: ODOO_URL (http://127.0.0.1:8069), ODOO_DB (mhrs_demo), ODOO_LOGIN/ODOO_PASSWORD (admin),
            LANG_CODE, SIZE (1440x900; 390x844 for a phone), WAIT (seconds per page, 4)
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests
import websocket

BASE = os.environ.get("ODOO_URL", "http://127.0.0.1:8069")
DB = os.environ.get("ODOO_DB", "mhrs_demo")


def login():
    session = requests.Session()
    response = session.post(
        f"{BASE}/web/session/authenticate",
        json={"params": {"db": DB, "login": os.environ.get("ODOO_LOGIN", "admin"),
                         "password": os.environ.get("ODOO_PASSWORD", "admin")}},
        timeout=30,
    )
    response.raise_for_status()
    return session.cookies.get("session_id")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp()
        chrome = shutil.which("chromium") or shutil.which("google-chrome")
        self.proc = subprocess.Popen(  # noqa: S603 - fixed local binary
            [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--remote-debugging-port={self.port}", f"--user-data-dir={self.profile}",
             "--window-size=1440,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                targets = requests.get(f"http://127.0.0.1:{self.port}/json", timeout=2).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except Exception:  # Chromium is still starting
                time.sleep(0.1)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.msg_id = 0

    def send(self, method, **params):
        self.msg_id += 1
        self.ws.send(json.dumps({"id": self.msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.msg_id:
                return msg.get("result", {})

    def close(self):
        self.proc.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main(args):
    session_id = login()
    browser = Browser()
    try:
        browser.send("Network.enable")
        browser.send("Network.setCookie", name="session_id", value=session_id, domain="127.0.0.1", path="/")
        # The hospital's wall clock, whatever the machine's zone: Odoo shows times in the browser's zone.
        browser.send("Emulation.setTimezoneOverride", timezoneId=os.environ.get("TZ_ID", "Europe/Istanbul"))
        # SIZE=390x844 takes a phone's screen (Odoo's small-screen layout below 768 px).
        width, height = (int(n) for n in os.environ.get("SIZE", "1440x900").split("x"))
        browser.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                     mobile=width < 768)
        for path, out in zip(args[::2], args[1::2], strict=True):
            browser.send("Page.navigate", url=BASE + path)
            time.sleep(float(os.environ.get("WAIT", "4")))
            data = browser.send("Page.captureScreenshot", format="png")["data"]
            with open(out, "wb") as handle:
                handle.write(base64.b64decode(data))
            print(out)
    finally:
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
