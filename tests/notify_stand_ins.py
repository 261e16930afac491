"""Stand-ins for the services the notification worker talks to: a group-robot webhook (企业微信 / 钉钉) on a
local HTTP server, answering as they do ({"errcode":0,...}), recording each request and when it arrived."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Robot:
    def __init__(self, errcode: int = 0):
        self.errcode = errcode
        self.received: list[dict] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                robot.received.append({"path": self.path, "json": json.loads(body.decode("utf-8")),
                                       "content_type": self.headers.get("Content-Type"), "at": time.time()})
                answer = json.dumps({"errcode": robot.errcode, "errmsg": "ok" if not robot.errcode else "invalid"})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
