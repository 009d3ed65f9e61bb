"""Media in real Chromium: an examiner puts a picture (with its text alternative) and a recording limited to
two plays into a question through the form's dialog; a candidate's instructions page preloads them, the exam
page shows the picture, and the recording plays twice, the third time refused, also after a reload."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.candidate.helpers import JPEG, paper_assessment, register
from tests.e2e.conftest import browser_login
from tests.images import image_bytes
from tests.media_files import wav_bytes
from webapp.bank import services
from webapp.bank.models import Media, Question
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import MediaPlay

pytestmark = pytest.mark.e2e


def insert_media(page, field, name: str, mime: str, data: bytes):
    field.locator("xpath=following-sibling::button[1]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    dialog.get_by_text(f"{name} is uploaded.").wait_for()
    return dialog


def test_a_picture_and_a_limited_recording_from_the_form_to_the_candidate(page, admin, factory):
    services.create_skill(admin, "Listening")
    db.session.commit()
    browser_login(page, admin.email)
    page.goto("/bank/questions/new?type=MCQ")
    page.select_option("#skill_id", label="Listening")
    stem = page.locator("#stem")   # the form's field; the rich-text editor stands for it on screen
    page.get_by_role("textbox", name="Question text").click()
    page.keyboard.type("Listen and look.")

    # A picture: refused without its text alternative, then inserted at the cursor.
    dialog = insert_media(page, stem, "harbour.png", "image/png", image_bytes("PNG", (60, 40)))
    dialog.get_by_role("button", name="Insert").click()
    assert dialog.is_visible()                       # the alt text is required
    dialog.get_by_label("Text alternative: what the picture shows").fill('A harbour "at night"')
    dialog.get_by_role("button", name="Insert").click()
    page.wait_for_selector("dialog[open]", state="detached")
    # A recording that may be played twice.
    dialog = insert_media(page, stem, "dialogue.wav", "audio/wav", wav_bytes(0.3))
    dialog.get_by_label("How many times may a candidate play it?").fill("2")
    dialog.get_by_role("button", name="Insert").click()

    # Both at the editor's cursor, one after the other, after the text.
    value = stem.input_value()
    assert re.fullmatch(r'<p>Listen and look\.<img src="/media/\d+/harbour\.png" alt="A harbour (&quot;|&#34;)at night(&quot;|&#34;)">'
                        r'<audio controls="?"? src="/media/\d+/dialogue\.wav" data-max-plays="2"></audio></p>', value), value
    rows = page.locator("#option-rows [data-row]")
    rows.nth(0).get_by_role("textbox", name="Option text").fill("A harbour")
    rows.nth(1).get_by_role("textbox", name="Option text").fill("A station")
    rows.nth(0).get_by_label("Correct").check()
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url("**/bank/questions/*")
    picture = page.locator(".question-stem img")
    assert picture.get_attribute("alt") == 'A harbour "at night"'
    assert picture.evaluate("image => image.complete && image.naturalWidth") == 60

    db.session.expire_all()
    question = db.session.scalars(select(Question)).one()
    assert {media.filename for media in db.session.scalars(select(Media))} == {"harbour.png", "dialogue.wav"}

    # The candidate: the instructions page loads the media before Start.
    exam = factory.exam(admin, assessment=paper_assessment(admin, [question.id]), access_type="ByInvitation")
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True,
                          photos={"reference_photo": JPEG, "id_photo": JPEG})
    db.session.commit()
    page.goto(f"/s/{sitting.access_token}")
    page.get_by_text("The test's pictures and recordings are loaded.").wait_for()
    page.get_by_role("button", name="Start the test").click()
    page.wait_for_selector("[data-exam]")
    shown = page.locator(".question img")
    shown.wait_for()
    assert shown.get_attribute("src") == f"/s/{sitting.access_token}/media/{question.stem.split('/media/')[1].split('/')[0]}"
    assert shown.evaluate("image => image.complete && image.naturalWidth") == 60

    play = page.locator(".question").get_by_role("button", name="Play the recording")
    status = page.locator("[data-plays-status]")
    assert status.inner_text() == "You can play this recording 2 more times."
    play.click()
    status.get_by_text("You can play this recording 1 more time.").wait_for()
    audio = page.locator(".question audio")
    expect(audio).to_have_js_property("ended", True)       # it played to the end
    expect(play).to_be_enabled()
    play.click()
    status.get_by_text("You have played this recording as often as allowed.").wait_for()
    expect(audio).to_have_js_property("ended", True)
    expect(play).to_be_disabled()

    page.reload()
    assert page.locator("[data-plays-status]").inner_text() == "You have played this recording as often as allowed."
    assert page.locator(".question").get_by_role("button", name="Play the recording").is_disabled()
    refused = page.request.post(page.locator(".question audio").get_attribute("data-play-url"),
                                data={"item_id": int(page.locator(".question audio").get_attribute("data-item"))},
                                headers={"Accept": "application/json"})
    assert refused.status == 409
    db.session.expire_all()
    assert db.session.scalars(select(MediaPlay.plays)).one() == 2
