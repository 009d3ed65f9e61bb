"""A report PDF that the worker prepares, in real Chromium: the download first shows a page that says it is
being prepared (a 503 with a refresh, no script), and opens the PDF by itself once the worker has rendered it.
(Not the `page` fixture: Chromium logs the 503, and its PDF viewer's favicon.ico, as console errors.)"""
from __future__ import annotations

import shutil
import pytest
from playwright.sync_api import expect

from tests.conftest import right_answer
from webapp.core import storage
from webapp.core.extensions import db
from webapp.reports.services import render_wanted_documents

pytestmark = pytest.mark.e2e


def test_the_page_says_the_pdf_is_being_prepared_then_opens_it(browser, live_server, app, live_app, monkeypatch,
                                                               admin, factory, pdf_text):
    for config in (app.config, live_app.config):
        monkeypatch.setitem(config, "PDF_RENDERING", "worker")
    exam = factory.exam(admin, assessment=factory.assessment(admin, name="English check", questions=3))
    sitting = factory.finished_sitting(admin, exam, first_name="Zoë", last_name="Quist", answer=right_answer)
    shutil.rmtree(storage._root() / "wanted", ignore_errors=True)   # not rendered ahead: none kept

    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    url = f"/reports/{sitting.report_key}.pdf"

    page.goto(url)
    expect(page.locator("h1")).to_have_text("The PDF is being prepared")

    with page.expect_response(lambda response: response.url.endswith(url) and response.status == 200) as ready:
        assert render_wanted_documents() == 1          # the worker's poll; the page's refresh finds the PDF
        db.session.remove()
    assert ready.value.headers["content-type"] == "application/pdf"
    # (Chromium's PDF viewer keeps the navigation's body: the same address, fetched again.)
    assert "Zoë Quist" in pdf_text(page.context.request.get(url).body())
    context.close()
