"""Fixtures for reports and certificates: a certification exam, a passed sitting, and helpers that read
PDFs with poppler's command-line tools (pdfimages, pdfinfo; pdftotext is in tests/conftest.py)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import poppler, right_answer


@pytest.fixture
def pdf_info(tmp_path):
    def info(pdf: bytes) -> dict:
        lines = poppler("pdfinfo", pdf, tmp_path).splitlines()
        return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}
    return info


@pytest.fixture
def pdf_image_count(tmp_path):
    """How many raster images a PDF embeds (pdfimages lists them under a two-line header)."""
    return lambda pdf: len(poppler("pdfimages", pdf, tmp_path, "-list").splitlines()) - 2


@pytest.fixture
def certification_exam(admin, factory):
    assessment = factory.assessment(admin, name="English B2 Certificate", questions=5, kind="certification",
                                    target_level="B2", pass_mark_percent=60)
    return factory.exam(admin, assessment=assessment, name="Spring certification")


@pytest.fixture
def passed_sitting(admin, factory, certification_exam):
    return factory.finished_sitting(admin, certification_exam, first_name="Zoë", last_name="Quist",
                                    answer=right_answer)


class _RecordingServer:
    """An HTTP server on 127.0.0.1 that records every GET: a document must never reach it."""

    def __init__(self):
        self.requested: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requested.append(self.path)
                body = b"body::after { content: 'LEAKED-FROM-THE-NETWORK'; }"
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def web_server():
    server = _RecordingServer()
    yield server
    server.close()
