"""The rich-text editor (Jodit) on the question form and LaTeX rendered by KaTeX, in real Chromium with
the strict CSP (a violation fails the test through the `page` fixture): an author types formatted text
and a formula, saves, and sees the formula rendered on the question's page and on the candidate's page;
HTML inserted through the "proctora:insert-html" event lands at the cursor; an existing stem survives a
load and save through the editor."""
from __future__ import annotations

import base64

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect
from sqlalchemy import select

from tests.candidate.helpers import PNG, paper_assessment, register, start
from tests.e2e.conftest import browser_login
from webapp.bank import services
from webapp.bank.models import Question
from webapp.core.extensions import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def skill(admin):
    skill = services.create_skill(admin, "Algebra")
    db.session.commit()
    return skill


def editor_of(page, field: str):
    """The editable area that stands for the textarea #field."""
    return page.locator(f"#{field} ~ .jodit-container .jodit-wysiwyg, label:has(#{field}) + .jodit-container .jodit-wysiwyg")


def test_an_author_writes_formatted_text_and_a_formula_the_candidate_sees_rendered(page, admin, skill, factory):
    browser_login(page, admin.email)
    page.goto("/bank/questions/new")
    page.select_option("#skill_id", label="Algebra")
    stem = page.get_by_role("textbox", name="Question text")
    expect(stem).to_be_visible()
    assert stem.get_attribute("contenteditable") == "true"
    expect(page.locator("#stem")).to_be_hidden()

    stem.click()
    page.keyboard.type("What is ")
    page.keyboard.press("Control+b")
    page.keyboard.type("twice")
    page.keyboard.press("Control+b")
    page.keyboard.type(" the area? \\(x^2\\)")
    # The formula preview under the field renders what was typed.
    expect(page.locator(".math-preview .katex").first).to_be_visible()

    options = page.get_by_role("textbox", name="Option text")
    expect(options).to_have_count(4)
    options.nth(0).click()
    page.keyboard.type("\\(2x^2\\)")
    options.nth(1).click()
    page.keyboard.type("\\(x^4\\)")
    page.locator("#option-rows [data-row]").nth(0).get_by_label("Correct").check()
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url("**/bank/questions/*")

    expect(page.locator(".question-stem strong")).to_have_text("twice")
    expect(page.locator(".question-stem .katex")).to_have_count(1)
    question = db.session.scalars(select(Question)).one()
    db.session.refresh(question)
    stored = BeautifulSoup(question.stem, "html.parser")
    assert stored.select_one("strong").get_text() == "twice"
    assert " ".join(stored.get_text().split()) == "What is twice the area? \\(x^2\\)"
    assert [option["html"] for option in question.options][:2] == ["\\(2x^2\\)", "\\(x^4\\)"]

    exam = factory.exam(admin, assessment=paper_assessment(admin, [question.id]), access_type="ByInvitation")
    sitting = start(register(admin, exam))
    page.goto(f"/s/{sitting.access_token}")
    shown = page.locator("[data-question]:not([hidden])")
    expect(shown.locator(".katex")).to_have_count(3)   # the stem and two options
    expect(shown.locator(".katex-mathml").first).to_contain_text("x2")


def test_a_page_without_a_formula_does_not_load_katex(page, admin, skill):
    services.create_question(admin, services.QuestionInput(
        type="SHORT_ANSWER", skill_id=skill.id, difficulty="EASY", stem="<p>Name a prime.</p>",
        accepted_answers=["2"]))
    db.session.commit()
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    browser_login(page, admin.email)
    page.goto("/bank/questions")
    page.wait_for_load_state("networkidle")
    assert not [url for url in loaded if "katex" in url]


def test_inserted_html_lands_at_the_cursor(page, admin, skill):
    browser_login(page, admin.email)
    page.goto("/bank/questions/new")
    stem = page.get_by_role("textbox", name="Question text")
    stem.click()
    page.keyboard.type("Hello world")
    for _ in range(len(" world")):
        page.keyboard.press("ArrowLeft")
    # The media button (another helper's) takes the focus away before it inserts.
    page.select_option("#skill_id", label="Algebra")
    picture = f'<img src="data:image/png;base64,{base64.b64encode(PNG).decode()}" alt="A dot">'
    page.locator("#stem").evaluate(
        """(textarea, html) => textarea.dispatchEvent(new CustomEvent("proctora:insert-html", {detail: {html}}))""",
        picture)

    expect(stem.locator("img[alt='A dot']")).to_have_count(1)
    assert page.locator("#stem").input_value() == f"<p>Hello{picture} world</p>"


ROUND_TRIP = (
    '<h3 dir="ltr">Listening, part 1</h3>'
    '<p lang="ar" dir="rtl">اسمع النص</p>'
    '<p>H<sub>2</sub>O and x<sup>2</sup>, <code>print()</code>, <a href="https://example.org/x">a link</a>, '
    'blank [[1]] and \\(\\frac{1}{2}\\)</p>'
    '<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>'
    '<table><thead><tr><th scope="col">Year</th></tr></thead><tbody><tr><td colspan="2">2024</td></tr></tbody></table>'
    '<blockquote><p><em>Quoted</em> and <strong>strong</strong></p></blockquote>'
)
# Media with the media part's URLs (webapp/bank/media.py). The editor puts an <audio> standing on its own in a
# paragraph, as an inline element belongs; preload="none" spares the browser fetching sound and video.
MEDIA = (
    '<p><img src="/media/7/graph.png" alt="A graph" width="120" height="80"></p>'
    '<p><audio controls preload="none" src="/media/8/talk.mp3" data-max-plays="2"></audio></p>'
    '<video controls preload="none"><source src="/media/9/clip.mp4" type="video/mp4"></video>'
)


def meaning(html: str) -> list:
    """What a reader gets from HTML: each element with its attributes and each text, in order."""
    soup = BeautifulSoup(html, "html.parser")
    return [(node.name, sorted((key, " ".join(value) if isinstance(value, list) else value)
                               for key, value in node.attrs.items())) if node.name else " ".join(node.split())
            for node in soup.descendants if node.name or node.strip()]


def editor_value(page, field: str = "stem") -> str:
    return page.locator(f"#{field}").evaluate(
        "(textarea) => Object.values(Jodit.instances).find((editor) => editor.element === textarea).value")


def test_an_existing_stem_survives_the_editor_untouched_in_meaning(page, admin, skill):
    question = services.create_question(admin, services.QuestionInput(
        type="FITB", skill_id=skill.id, difficulty="EASY", stem=ROUND_TRIP, blanks=[{"accepted": ["went"]}]))
    db.session.commit()
    saved_stem = question.stem
    assert meaning(saved_stem)[1:3] == meaning(ROUND_TRIP)[1:3]   # the sanitiser kept it (links get a rel)
    browser_login(page, admin.email)
    page.route("**/media/**", lambda route: route.fulfill(body=PNG, content_type="image/png"))
    page.goto(f"/bank/questions/{question.id}/edit")
    expect(page.get_by_role("textbox", name="Question text")).to_be_visible()

    assert meaning(editor_value(page)) == meaning(saved_stem)
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url(f"**/bank/questions/{question.id}")
    db.session.refresh(question)
    assert question.stem == saved_stem

    # Pictures, sound and video with the media part's URLs and the number of plays, loaded and read back.
    page.go_back()
    page.locator("#stem").evaluate(
        "(textarea, html) => { Object.values(Jodit.instances).find((e) => e.element === textarea).value = html; }",
        MEDIA)
    assert meaning(editor_value(page)) == meaning(MEDIA)


def test_the_formula_button_and_the_toolbar_in_arabic(page, admin, skill):
    browser_login(page, admin.email)
    page.goto("/bank/questions/new?lang=ar")
    editor = page.locator(".jodit-container").first
    expect(editor).to_have_attribute("dir", "rtl")
    # Jodit names its buttons on their list items: in its own Arabic pack, and ours in our catalogue.
    assert editor.locator(".jodit-toolbar-button_bold").get_attribute("aria-label") == "عريض"
    formula = editor.locator(".jodit-toolbar-button_math")
    assert formula.get_attribute("aria-label") == "إدراج صيغة (LaTeX)"
    stem = page.get_by_role("textbox", name="نص السؤال")
    stem.click()
    formula.get_by_role("button").click()   # \( \) with the cursor inside
    page.keyboard.type("\\sqrt{2}")
    expect(page.locator(".math-preview .katex")).to_have_count(1)
    page.get_by_role("button", name="حفظ السؤال").click()   # written back before the form is checked
    expect(page.locator("#stem")).to_have_value("<p>\\( \\sqrt{2}\\)</p>")


def test_a_picture_from_the_media_button_goes_in_at_the_editor_s_cursor(page, admin, skill):
    browser_login(page, admin.email)
    page.goto("/bank/questions/new?type=SHORT_ANSWER")
    page.select_option("#skill_id", label="Algebra")
    stem = page.get_by_role("textbox", name="Question text")
    stem.click()
    page.keyboard.type("Look at  and answer.")
    for _ in range(len(" and answer.")):
        page.keyboard.press("ArrowLeft")
    page.get_by_role("button", name="Insert picture, audio or video").first.click()
    page.locator("[data-media-file]").set_input_files(
        files=[{"name": "dot.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_label("Text alternative: what the picture shows").fill("A dot")
    page.get_by_role("button", name="Insert", exact=True).click()

    expect(stem.locator("img[alt='A dot']")).to_have_count(1)
    page.get_by_label("Accepted answers", exact=True).fill("dot")
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url("**/bank/questions/*")
    question = db.session.scalars(select(Question)).one()
    db.session.refresh(question)
    stored = BeautifulSoup(question.stem, "html.parser")
    assert stored.select_one("img")["src"].startswith("/media/")
    assert " ".join(stored.p.get_text().split()) == "Look at and answer."
    assert str(stored.p).replace("\xa0", " ").startswith("<p>Look at <img")   # typed spaces may be &nbsp;
