"""Real HTTP servers on 127.0.0.1 for tests: the receiver of webhooks (the `receiver` fixture is in
tests/conftest.py), and `GetServer`, which answers GETs with what the test says now."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
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


class GetServer:
    """An HTTP server on 127.0.0.1 that answers every GET with `answer(path)`: (content type, body), asked
    anew for each request (a JWKS that changes with a rotation, a file that must never be fetched)."""

    def __init__(self, answer: Callable[[str], tuple[str, bytes]]):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                content_type, body = answer(self.path)
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()
