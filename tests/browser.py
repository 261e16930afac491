"""A real browser for the tests: Debian's Chromium driven by Playwright, against the test session's app
served by a real HTTP server on 127.0.0.1. One browser and one server serve every browser test of a run
(the fixtures live in tests/conftest.py); each test opens its own logged-in contexts.

Chromium is never downloaded: .ci/run installs Debian's package, and a missing binary fails the test
(a skipped browser test would count as passing).
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
LATIN = re.compile(r"[A-Za-z]")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PASSWORD = "Houqin@2026"
RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


class LiveServer:
    """The app behind werkzeug's threaded server on 127.0.0.1 and a free port."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="browser-test-server", daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.thread.join(timeout=10)


def launch(playwright):
    if not CHROMIUM.exists():
        raise RuntimeError(f"浏览器测试需要 Debian 的 chromium（{CHROMIUM}）：apt-get install chromium fonts-noto-cjk")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form [type=submit]")
    page.wait_for_load_state("load")
    assert "/login" not in page.url, f"{username} could not log in"


class Session:
    """One logged-in browser context, recording every request its pages make and every script error."""

    def __init__(self, browser, base: str, username: str, **context_options):
        self.base = base
        self.requests: list[str] = []
        self.context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_options)
        self.context.set_default_timeout(10_000)
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        log_in(self.page, base, username)

    def open(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        self.page.wait_for_load_state("load")
        return self.page

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests
                if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname not in LOCAL_HOSTS]

    def close(self):
        self.context.close()
