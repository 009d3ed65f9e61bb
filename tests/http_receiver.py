"""A real HTTP receiver on 127.0.0.1 for webhook tests (the `receiver` fixture is in tests/conftest.py)."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int       # what the receiver answered

    def json(self):
        return json.loads(self.body)


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers each path with the statuses
    it was told, in turn, then 200."""

    def __init__(self):
        self.received: list[ReceivedRequest] = []
        self.delay = 0.0
        self._answers: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    queued = receiver._answers.get(self.path)
                    status = queued.pop(0) if queued else 200
                    receiver.received.append(ReceivedRequest(self.path, dict(self.headers), body, status))
                time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("Location", "/moved")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass   # the client gave up waiting

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def answer(self, path: str, *statuses: int) -> None:
        self._answers[path] = list(statuses)

    def at(self, path: str) -> list[ReceivedRequest]:
        return [request for request in self.received if request.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()
