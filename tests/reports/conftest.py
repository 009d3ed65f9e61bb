"""Fixtures for reports and certificates: a certification exam, a passed sitting, and helpers that read
PDFs with poppler's command-line tools (pdfimages, pdfinfo; pdftotext is in tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.conftest import poppler, right_answer
from tests.http_receiver import GetServer


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


class _RecordingServer(GetServer):
    """An HTTP server on 127.0.0.1 that records every GET: a document must never reach it."""

    def __init__(self):
        self.requested: list[str] = []
        super().__init__(self._record)

    def _record(self, path: str) -> tuple[str, bytes]:
        self.requested.append(path)
        return "text/css", b"body::after { content: 'LEAKED-FROM-THE-NETWORK'; }"


@pytest.fixture
def web_server():
    server = _RecordingServer()
    yield server
    server.close()
