"""LaTeX drawn for the PDFs (webapp/reports/math.py): formulas become SVG pictures, anything that cannot
be drawn (invalid, too long, too deep, past the document's budget) stays as its source text, and nothing
from the source can turn into markup or script."""
from __future__ import annotations

import base64
import re
import time
import pytest
from bs4 import BeautifulSoup

from tests.conftest import right_answer
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db
from webapp.reports import math
from webapp.reports.math import formula_picture, typeset_math
from webapp.reports.services import report_html
from webapp.results.services import sitting_result

PICTURE = re.compile(r'<img class="math( math-display)?" alt="([^"]*)" src="data:image/svg\+xml;base64,([^"]+)"')


def pictures(html: str) -> list[tuple[bool, str, str]]:
    """(displayed?, alt text, the SVG) of each formula picture."""
    return [(bool(display), alt, base64.b64decode(data).decode()) for display, alt, data in PICTURE.findall(html)]


def test_inline_and_displayed_formulas_become_svg_pictures():
    html = typeset_math(r"<p>Energy \(E = mc^2\) and</p><p>\[\frac{1}{2}\]</p>")

    (inline, alt, svg), (display, _, fraction) = pictures(html)
    assert not inline and display
    assert alt == "E = mc^2"
    assert svg.startswith("<svg") and "<path" in svg and "<path" in fraction
    assert html.startswith("<p>Energy <img") and html.endswith("></p>")
    assert "\\(" not in html and "\\[" not in html


def test_the_text_around_a_formula_stays_escaped_as_it_was():
    html = typeset_math(r"<p class='q'>5 &lt; 6 &amp; \(a &lt; b\) &gt;</p>")

    assert html.startswith("<p class='q'>5 &lt; 6 &amp; <img")
    assert html.endswith(" &gt;</p>")
    assert pictures(html)[0][1] == "a &lt; b"


def test_invalid_latex_stays_as_its_source_text():
    html = r"<p>Broken \(\frac{\) and unknown \(\newcommand{\a}{\a\a}\a\) and empty \( \)</p>"
    assert typeset_math(html) == html


@pytest.mark.parametrize("latex", [
    r"\href{javascript:alert(1)}{click}",
    r"\url{javascript:alert(1)}",
    r"\text{<script>alert(1)</script>}",
    r"\text{\"><img src=x onerror=alert(1)>}",
])
def test_hostile_latex_draws_nothing_that_runs(latex):
    html = typeset_math("<p>\\(" + latex.replace("<", "&lt;").replace(">", "&gt;") + "\\)</p>")

    assert "<script" not in html and "<img src=x" not in html   # the source stays text, in the alt too
    for _, _, svg in pictures(html):
        assert "script" not in svg.lower() and "javascript" not in svg.lower() and "onerror" not in svg.lower()
        assert re.findall(r'href="([^"]*)"', svg) == re.findall(r'href="(#[^"]*)"', svg)   # only its own glyphs


def test_attributes_the_title_and_styles_are_never_typeset():
    html = (r'<!doctype html><html><head><title>\(x\)</title><style>p > b { color: red }</style></head>'
            r'<body><img alt="\(x\)" src="data:,"><!-- \(x\) --></body></html>')
    assert typeset_math(html) == html


@pytest.mark.parametrize("latex", [
    "x" * 100_000,                                  # too long
    r"\sqrt{" * 12 + "x" + "}" * 12,                # nested past the limit: exponential in ziamath
    r"\left(" * 12 + "x" + r"\right)" * 12,
])
def test_huge_or_deep_formulas_stay_as_text_at_once(latex):
    started = time.monotonic()
    html = typeset_math(f"<p>\\({latex}\\)</p>")
    assert time.monotonic() - started < 1
    assert html == f"<p>\\({latex}\\)</p>"


def test_a_document_with_very_many_formulas_draws_a_bounded_number(monkeypatch):
    monkeypatch.setattr(math, "MAX_FORMULAS", 5)
    html = typeset_math("<p>" + r"\(x^2\) " * 20 + "</p>")
    assert len(pictures(html)) == 5
    assert html.count(r"\(x^2\)") == 15


def test_a_picture_sits_on_the_baseline_and_has_its_size_in_points():
    picture = formula_picture("y_1")
    width, height, sink = map(float, re.search(
        r'style="width: ([\d.]+)pt; height: ([\d.]+)pt; vertical-align: -([\d.]+)pt"', picture).groups())
    assert 5 < width < 30 and 5 < height < 30 and 0 < sink < height / 2


@pytest.fixture
def sitting_with_a_formula(admin, factory):
    skill = create_skill(admin, "Physics")
    question = create_question(admin, QuestionInput(
        type="MCQ", skill_id=skill.id, difficulty="EASY", stem=r"<p>Which is Einstein's \(E = mc^2\)?</p>",
        options=[{"html": r"\(m\) is the mass", "correct": True}, {"html": "none"}]))
    assessment = create_assessment(admin, AssessmentInput(
        name="Physics", duration=30, sections=[SectionInput(name="Section 1", question_ids=[question.id])]))
    db.session.commit()
    exam = factory.exam(admin, assessment=assessment, name="Physics exam")
    return factory.finished_sitting(admin, exam, answer=right_answer)


def test_the_staff_pdf_report_draws_the_formulas(app, admin, admin_client, sitting_with_a_formula, pdf_text):
    with app.test_request_context():
        source = report_html(sitting_result(admin, sitting_with_a_formula.id), "pdf/report.html", for_staff=True)
    assert [alt for _, alt, _ in pictures(typeset_math(source))] == ["E = mc^2", "m"]

    pdf = admin_client.get(f"/sittings/{sitting_with_a_formula.id}/report.pdf")

    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "Which is Einstein's ?" in text and "is the mass" in text
    # Drawn, not written out: WeasyPrint writes an image's alt text only when it cannot draw the image.
    assert "\\(" not in text and "mc^2" not in text


def test_the_console_pages_keep_the_latex_for_the_browser_to_render(admin_client, sitting_with_a_formula):
    page = BeautifulSoup(admin_client.get(f"/sittings/{sitting_with_a_formula.id}/result").get_data(as_text=True),
                         "html.parser")
    assert page.select_one(".question-stem").get_text() == "Which is Einstein's \\(E = mc^2\\)?"
    assert page.select_one("script[src$='/js/math.js']")["data-katex"] == "/static/vendor/katex-0.19.1/"
