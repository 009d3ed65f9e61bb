"""An institute brings its bank, in real Chromium: an examiner imports a QTI content package with a picture
and a recording, reads the preview, imports it, builds a test from it in the builder, and a candidate on a
phone answers the listening item (its plays counted on the server) and the matching item; then the bank,
exported as a QTI package from the console, imported into a fresh institute gives the same items."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.candidate.helpers import JPEG, register
from tests.e2e.conftest import browser_login
from tests.e2e.test_build_a_test import create_assessment, notice, section_card
from tests.e2e.test_candidate_journey import ALL_SAVED, question
from tests.images import image_bytes
from tests.media_files import wav_bytes
from webapp.accounts.models import User
from webapp.assessments.models import Assessment
from webapp.bank.models import Media, Question
from webapp.bank.sanitize import plain_text
from webapp.core.extensions import db
from webapp.notifications.worker import run_periodic_jobs
from webapp.sittings import taking
from webapp.sittings.models import MediaPlay

pytestmark = pytest.mark.e2e

QTI = ('xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" adaptive="false" timeDependent="false"')
MATCH_CORRECT = '<responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>'
MAP_RESPONSE = '<responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"/>'

LISTENING = f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem {QTI} identifier="listening" title="At the station">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>station</value></correctResponse>
  </responseDeclaration>
  <responseDeclaration identifier="PLAYS" cardinality="single" baseType="integer"/>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float">
    <defaultValue><value>2</value></defaultValue>
  </outcomeDeclaration>
  <itemBody>
    <mediaInteraction responseIdentifier="PLAYS" autostart="false" maxPlays="2">
      <prompt>Listen to the dialogue.</prompt>
      <object type="audio/x-wav" data="media/dialogue.wav"/>
    </mediaInteraction>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">
      <prompt>Where are the speakers?</prompt>
      <simpleChoice identifier="home">At home</simpleChoice>
      <simpleChoice identifier="station">At a railway station</simpleChoice>
      <simpleChoice identifier="school">At school</simpleChoice>
    </choiceInteraction>
  </itemBody>
  {MATCH_CORRECT}
</assessmentItem>"""

MATCHING = f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem {QTI} identifier="harbour-words" title="Harbour words">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">
    <correctResponse><value>boat ship</value><value>quay pier</value></correctResponse>
    <mapping defaultValue="0" lowerBound="0" upperBound="2">
      <mapEntry mapKey="boat ship" mappedValue="1"/><mapEntry mapKey="quay pier" mappedValue="1"/>
    </mapping>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>Look at the harbour: <img src="media/harbour.png" alt="A harbour with boats"/></p>
    <matchInteraction responseIdentifier="RESPONSE" shuffle="false" maxAssociations="2">
      <prompt>Match each word with the word that means the same.</prompt>
      <simpleMatchSet>
        <simpleAssociableChoice identifier="boat" matchMax="1">boat</simpleAssociableChoice>
        <simpleAssociableChoice identifier="quay" matchMax="1">quay</simpleAssociableChoice>
      </simpleMatchSet>
      <simpleMatchSet>
        <simpleAssociableChoice identifier="ship" matchMax="1">ship</simpleAssociableChoice>
        <simpleAssociableChoice identifier="pier" matchMax="1">pier</simpleAssociableChoice>
        <simpleAssociableChoice identifier="sail" matchMax="1">sail</simpleAssociableChoice>
      </simpleMatchSet>
    </matchInteraction>
  </itemBody>
  {MAP_RESPONSE}
</assessmentItem>"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="harbour-package">
  <organizations/>
  <resources>
    <resource identifier="listening" type="imsqti_item_xmlv2p1" href="items/listening.xml">
      <file href="items/listening.xml"/><file href="items/media/dialogue.wav"/>
    </resource>
    <resource identifier="harbour-words" type="imsqti_item_xmlv2p1" href="items/matching.xml">
      <file href="items/matching.xml"/><file href="items/media/harbour.png"/>
    </resource>
  </resources>
</manifest>"""


def harbour_package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("items/listening.xml", LISTENING)
        archive.writestr("items/matching.xml", MATCHING)
        archive.writestr("items/media/dialogue.wav", wav_bytes(0.3))
        archive.writestr("items/media/harbour.png", image_bytes("PNG", (60, 40)))
    return buffer.getvalue()


def import_through_the_console(page, filename: str, data: bytes, found: str, button: str) -> None:
    page.goto("/bank/questions")
    page.get_by_role("button", name="Import questions").click()
    page.get_by_label("File").set_input_files({"name": filename, "mimeType": "application/zip", "buffer": data})
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("[data-preview-summary]")).to_have_text(found)
    page.get_by_role("button", name=button).click()
    run_periodic_jobs()                 # the worker's poll
    db.session.remove()
    expect(page.locator("[data-run-summary]")).to_contain_text("imported, 0 skipped, 0 failed.")


def test_a_qti_package_with_a_picture_and_a_recording_becomes_a_test_a_candidate_takes_on_a_phone(
        page, browser, live_server, admin, factory):
    admin_id = admin.id
    browser_login(page, admin.email)
    import_through_the_console(page, "harbour.zip", harbour_package(),
                               "2 item(s) found: 2 can be imported, 0 will be skipped.", "Import 2 questions")
    admin = db.session.get(User, admin_id)
    listening = db.session.scalars(select(Question).where(Question.type == "MCQ")).one()
    matching = db.session.scalars(select(Question).where(Question.type == "MATCHING")).one()
    assert re.search(r'<audio controls[^>]* src="/media/\d+/dialogue\.wav" data-max-plays="2">', listening.stem)
    assert re.search(r'<img src="/media/\d+/harbour\.png" alt="A harbour with boats"', matching.stem)
    assert (listening.marks, matching.marks, matching.partial_credit) == (2, 2, True)
    assert {media.filename for media in db.session.scalars(select(Media))} == {"dialogue.wav", "harbour.png"}

    # The test, built in the builder from the imported skill (named after the file).
    assessment_id = create_assessment(page, "Harbour listening", "Listening and words")
    picked = section_card(page, "1. Listening and words")
    picked.get_by_role("button", name="Add questions from the bank").click()
    page.get_by_label("Skill").select_option(label="harbour")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/pick\?.*skill_id=\d+"))
    expect(page.get_by_role("checkbox")).to_have_count(2)
    for checkbox in page.get_by_role("checkbox").all():
        checkbox.check()
    page.get_by_role("button", name="Add the ticked questions").click()
    expect(notice(page)).to_have_text("2 questions are added to Listening and words.")

    assessment = db.session.get(Assessment, assessment_id)
    assessment.show_report_to_candidate_on_exit = True
    exam = factory.exam(admin, assessment=assessment, access_type="ByInvitation")
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True,
                          photos={"reference_photo": JPEG, "id_photo": JPEG})
    db.session.commit()

    phone = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844}, has_touch=True,
                                is_mobile=True)
    candidate = phone.new_page()
    errors: list[str] = []
    candidate.on("pageerror", lambda error: errors.append(str(error)))
    try:
        candidate.goto(f"/s/{sitting.access_token}")
        candidate.get_by_text("The test's pictures and recordings are loaded.").wait_for()
        candidate.get_by_role("button", name="Start the test").tap()
        candidate.wait_for_selector("[data-exam]")
        for _ in range(2):
            if question(candidate).locator("audio").count():
                break
            candidate.get_by_role("button", name="Next").tap()

        # The listening item: two plays, the third refused by the server.
        play = question(candidate).get_by_role("button", name="Play the recording")
        play.tap()
        candidate.get_by_text("You can play this recording 1 more time.").wait_for()
        expect(question(candidate).locator("audio")).to_have_js_property("ended", True)
        play.tap()
        candidate.get_by_text("You have played this recording as often as allowed.").wait_for()
        expect(play).to_be_disabled()
        question(candidate).get_by_text("At a railway station").tap()
        expect(candidate.locator("[data-save-status]")).to_have_text(ALL_SAVED)
        db.session.expire_all()
        assert db.session.scalars(select(MediaPlay.plays)).one() == 2

        # The matching item, with its picture: one pair right, one wrong.
        candidate.goto(f"/s/{sitting.access_token}")
        for _ in range(2):
            if question(candidate).locator("select[data-premise]").count():
                break
            candidate.get_by_role("button", name="Next").tap()
        picture = question(candidate).locator("img")
        expect(picture).to_have_attribute("alt", "A harbour with boats")
        assert picture.evaluate("image => image.complete && image.naturalWidth") == 60
        question(candidate).get_by_label("boat", exact=True).select_option(label="ship")
        question(candidate).get_by_label("quay", exact=True).select_option(label="sail")
        assert candidate.evaluate("document.documentElement.scrollWidth") <= 390
        expect(candidate.locator("[data-save-status]")).to_have_text(ALL_SAVED)

        candidate.get_by_role("button", name="Finish the test…").tap()
        candidate.get_by_role("button", name="Submit my answers and finish").tap()
        # 2 (the station) + 2 x 1/2 (one pair of two, partial credit) = 3 of 4.
        expect(candidate.locator("[data-total-marks]")).to_have_text("3")
    finally:
        phone.close()
    assert not errors, errors


def _items(institute_id: int) -> list[tuple]:
    """What a question is, apart from its ids and media URLs: type, texts, key and marks."""
    def texts(rows, *keys):
        return [tuple(plain_text(row.get("html")) if key == "html" else row.get(key) for key in keys) for row in rows]
    questions = db.session.scalars(select(Question).where(Question.institute_id == institute_id))
    return sorted((q.type.value, plain_text(q.stem), texts(q.options, "html", "correct", "match"),
                   texts(q.targets, "html"), q.marks, q.partial_credit, "<img" in q.stem, "<audio" in q.stem)
                  for q in questions)


def test_a_bank_exported_as_qti_and_imported_into_a_fresh_institute_gives_the_same_items(
        page, browser, live_server, admin, factory, tmp_path):
    institute_id = admin.institute_id
    browser_login(page, admin.email)
    import_through_the_console(page, "harbour.zip", harbour_package(),
                               "2 item(s) found: 2 can be imported, 0 will be skipped.", "Import 2 questions")

    page.goto("/bank/questions")
    page.get_by_role("button", name="Export", exact=True).click()
    page.get_by_label("Format").select_option("qti")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    with zipfile.ZipFile(exported) as archive:
        names = archive.namelist()
    assert "imsmanifest.xml" in names and any(name.endswith(".wav") for name in names) \
        and any(name.endswith(".png") for name in names)

    _, fresh_admin = factory.institute("Fresh Harbour School")
    db.session.commit()
    fresh_institute_id, fresh_email = fresh_admin.institute_id, fresh_admin.email
    fresh = browser.new_context(base_url=live_server)
    other = fresh.new_page()
    try:
        browser_login(other, fresh_email)
        import_through_the_console(other, exported.name, exported.read_bytes(),
                                   "2 item(s) found: 2 can be imported, 0 will be skipped.", "Import 2 questions")
    finally:
        fresh.close()
    db.session.expire_all()
    assert _items(fresh_institute_id) == _items(institute_id)
    assert len(_items(institute_id)) == 2
