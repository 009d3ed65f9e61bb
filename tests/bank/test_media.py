"""Media of the bank: checked by their bytes, limited in size, kept once per institute, named by URL."""
import hashlib
import io

import pytest
from sqlalchemy import select

from tests.conftest import log_in, poppler, right_answer
from tests.images import image_bytes
from tests.media_files import m4a_bytes, mp3_bytes, mp4_bytes, ogg_bytes, wav_bytes, webm_bytes
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank import media as bank_media
from webapp.bank.media import (media_bytes, media_from_url, media_in_html, media_url, store_media)
from webapp.bank.models import Media, MediaKind
from webapp.bank.sanitize import clean_html
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.reports.services import staff_report_pdf


@pytest.mark.parametrize("name, data, kind, content_type", [
    ("cat.png", image_bytes("PNG"), MediaKind.IMAGE, "image/png"),
    ("cat.jpg", image_bytes("JPEG"), MediaKind.IMAGE, "image/jpeg"),
    ("cat.webp", image_bytes("WEBP"), MediaKind.IMAGE, "image/webp"),
    ("cat.gif", image_bytes("GIF"), MediaKind.IMAGE, "image/gif"),
    ("talk.wav", wav_bytes(), MediaKind.AUDIO, "audio/wav"),
    ("talk.mp3", mp3_bytes(), MediaKind.AUDIO, "audio/mpeg"),
    ("talk.m4a", m4a_bytes(), MediaKind.AUDIO, "audio/mp4"),
    ("talk.opus", ogg_bytes(), MediaKind.AUDIO, "audio/ogg"),
    ("film.mp4", mp4_bytes(), MediaKind.VIDEO, "video/mp4"),
    ("film.webm", webm_bytes(), MediaKind.VIDEO, "video/webm"),
])
def test_a_file_is_known_by_its_bytes(admin, name, data, kind, content_type):
    # Each under a misleading name: what the bytes are decides.
    media = store_media(admin.institute_id, "misleading.txt", data, actor=admin)
    assert (media.kind, media.content_type, media.size) == (kind, content_type, len(data))
    assert media.created_by_id == admin.id
    assert media_bytes(media) == data


@pytest.mark.parametrize("data", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"<html><body>hello</body></html>",
    b"%PDF-1.4 not a picture",
    image_bytes("PNG")[:30],   # a truncated picture
])
def test_anything_else_is_refused_naming_the_file(admin, data):
    with pytest.raises(ValidationError) as refused:
        store_media(admin.institute_id, "C:\\Users\\me\\drawing.svg", data)
    assert "drawing.svg" in refused.value.message and "C:" not in refused.value.message
    assert refused.value.field == "file"


def test_an_empty_file_is_refused(admin):
    with pytest.raises(ValidationError, match="empty.png is empty"):
        store_media(admin.institute_id, "empty.png", b"")


def test_each_kind_has_its_size_limit(admin, monkeypatch):
    monkeypatch.setitem(bank_media.MAX_BYTES, MediaKind.AUDIO, 1000)
    with pytest.raises(ValidationError, match="long.wav is too large: an audio file may have at most"):
        store_media(admin.institute_id, "long.wav", wav_bytes(1))
    assert store_media(admin.institute_id, "picture.png", image_bytes("PNG", (64, 64))).kind == MediaKind.IMAGE


def test_the_same_bytes_are_the_same_media_in_an_institute_only(admin, factory):
    first = store_media(admin.institute_id, "a.png", image_bytes("PNG"))
    assert store_media(admin.institute_id, "b.png", image_bytes("PNG")).id == first.id
    other_institute = factory.institute()[0]
    assert store_media(other_institute.id, "a.png", image_bytes("PNG")).id != first.id


def test_urls_name_the_institutes_own_media(admin, factory):
    media = store_media(admin.institute_id, "../../Übung 1.png", image_bytes("PNG"))
    url = media_url(media)
    assert url == f"/media/{media.id}/Ubung_1.png"
    assert media.filename == "Übung 1.png"
    assert media_from_url(admin.institute_id, url) == media
    assert media_from_url(admin.institute_id, f"/media/{media.id}") == media
    other_institute = factory.institute()[0]
    assert media_from_url(other_institute.id, url) is None
    for foreign in ("https://evil.example/media/1/x.png", f"{url}?x=1", "data:image/png;base64,AAAA", "",
                    "/media/99999999999/x.png", "/media/0/x.png"):
        assert media_from_url(admin.institute_id, foreign) is None


def test_the_media_that_html_shows(admin, factory):
    picture = store_media(admin.institute_id, "a.png", image_bytes("PNG"))
    sound = store_media(admin.institute_id, "b.wav", wav_bytes())
    foreign = store_media(factory.institute()[0].id, "c.png", image_bytes("GIF"))
    html = (f'<p>Listen <audio controls src="{media_url(sound)}"></audio></p><img alt="x" src=\'{media_url(picture)}\'>'
            f'<img alt="y" src="{media_url(foreign)}"><a href="{media_url(picture)}">link</a>'
            f'<img alt="z" src="{media_url(sound)}">')
    assert media_in_html(admin.institute_id, html) == [sound, picture]


# The sanitiser and the question's checks ---------------------------------------------------------

def _question(skill, **fields):
    return QuestionInput(**{"type": "MCQ", "skill_id": skill.id, "difficulty": "EASY", "stem": "<p>Which?</p>",
                            "options": [{"html": "one", "correct": True}, {"html": "two"}], **fields})


def test_the_sanitiser_keeps_media_elements_with_our_urls_only():
    html = ('<p><img src="/media/1/a.png" alt="A cat" width="120" height="80" onerror="x()" style="a">'
            '<audio controls src="/media/2/b.wav" data-max-plays="2" autoplay></audio>'
            '<video controls src="/media/3/c.mp4" width="320" height="200"><source src="/media/3/c.mp4" '
            'type="video/mp4"><source src="https://evil.example/c.mp4" type="video/mp4"></video>'
            '<img src="data:image/png;base64,AAAA" alt="x"><img src="https://evil.example/x.png" alt="y">'
            '<audio src="/media/4/d.wav" data-max-plays="0"></audio><img src="/media/5/e.png" alt="z" width="100%"></p>')
    assert clean_html(html) == (
        '<p><img src="/media/1/a.png" alt="A cat" width="120" height="80">'
        '<audio controls="" src="/media/2/b.wav" data-max-plays="2"></audio>'
        '<video controls="" src="/media/3/c.mp4" width="320" height="200"><source src="/media/3/c.mp4" '
        'type="video/mp4"><source type="video/mp4"></video>'
        '<img alt="x"><img alt="y"><audio src="/media/4/d.wav"></audio><img src="/media/5/e.png" alt="z"></p>')


@pytest.mark.parametrize("url", ["https://evil.example/x.png", "data:image/png;base64,AAAA", "/static/logo.png"])
def test_a_picture_from_elsewhere_is_refused_with_a_clear_message(admin, url):
    skill = create_skill(admin, "Reading")
    with pytest.raises(ValidationError, match="is not a file of this question bank") as refused:
        create_question(admin, _question(skill, stem=f'<p>Which?</p><img src="{url}" alt="a map">'))
    assert refused.value.field == "stem" and url[:20] in refused.value.message


def test_another_institutes_media_is_refused(admin, factory):
    skill = create_skill(admin, "Reading")
    foreign = store_media(factory.institute()[0].id, "a.png", image_bytes("PNG"))
    with pytest.raises(ValidationError, match="is not a file of this question bank") as refused:
        create_question(admin, _question(skill, options=[{"html": f'<img src="{media_url(foreign)}" alt="a">',
                                                          "correct": True}, {"html": "two"}]))
    assert refused.value.field == "options"


@pytest.mark.parametrize("alt", ['', ' alt=""', ' alt="  "'])
def test_a_picture_needs_alt_text(admin, alt):
    skill = create_skill(admin, "Reading")
    picture = store_media(admin.institute_id, "a.png", image_bytes("PNG"))
    with pytest.raises(ValidationError, match="Every picture needs a text alternative") as refused:
        create_question(admin, _question(skill, stem=f'<p>What is it?</p><img src="{media_url(picture)}"{alt}>'))
    assert refused.value.field == "stem"


def test_a_question_keeps_its_institutes_media(admin):
    skill = create_skill(admin, "Listening")
    picture = store_media(admin.institute_id, "a.png", image_bytes("PNG"))
    sound = store_media(admin.institute_id, "b.wav", wav_bytes())
    stem = (f'<p>Listen.</p><audio controls src="{media_url(sound)}" data-max-plays="2"></audio>'
            f'<img src="{media_url(picture)}" alt="A harbour">')
    question = create_question(admin, _question(skill, stem=stem))
    assert question.stem == stem.replace("controls ", 'controls="" ')
    assert media_in_html(admin.institute_id, question.stem) == [sound, picture]


# Serving to staff, and the form's upload ---------------------------------------------------------

def test_staff_of_the_institute_get_the_file_with_ranges(admin_client, admin):
    sound = store_media(admin.institute_id, "dialogue.wav", wav_bytes())
    db.session.commit()
    response = admin_client.get(media_url(sound))
    assert response.data == wav_bytes() and response.mimetype == "audio/wav"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, max-age=21600"
    assert response.headers["Accept-Ranges"] == "bytes"
    part = admin_client.get(f"/media/{sound.id}", headers={"Range": "bytes=4-11"})
    assert part.status_code == 206 and part.data == wav_bytes()[4:12]
    again = admin_client.get(media_url(sound), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_another_institute_or_nobody_gets_nothing(client, admin, factory):
    picture = store_media(admin.institute_id, "a.png", image_bytes("PNG"))
    db.session.commit()
    assert client.get(media_url(picture)).status_code == 302            # to the login page
    log_in(client, factory.institute()[1])
    assert client.get(media_url(picture)).status_code == 404
    assert client.get("/media/99999/x.png").status_code == 404


def test_the_form_uploads_a_file_and_gets_its_url(admin_client, admin):
    response = admin_client.post("/bank/media", data={"file": (io.BytesIO(image_bytes("PNG")), "Map of Spain.png")},
                                 headers={"Accept": "application/json"})
    media = db.session.scalars(select(Media)).one()
    assert response.get_json() == {"url": f"/media/{media.id}/Map_of_Spain.png", "kind": "image",
                                   "filename": "Map of Spain.png"}
    assert media.created_by_id == admin.id


@pytest.mark.parametrize("data, message", [
    ({"file": (io.BytesIO(b"<svg/>"), "logo.svg")}, "logo.svg is not a picture, audio or video file"),
    ({"file": (io.BytesIO(b""), "empty.mp3")}, "empty.mp3 is empty."),
    ({}, "Choose a picture, audio or video file."),
])
def test_a_refused_upload_says_why(admin_client, data, message):
    response = admin_client.post("/bank/media", data=data, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(message)
    assert db.session.scalars(select(Media)).all() == []


def test_only_authors_upload(client, admin, factory):
    log_in(client, factory.staff(admin.institute, "proctor"))
    response = client.post("/bank/media", data={"file": (io.BytesIO(image_bytes("PNG")), "a.png")},
                           headers={"Accept": "application/json"})
    assert response.status_code == 403 and db.session.scalars(select(Media)).all() == []


# Documents: the report PDF embeds the pictures and names the recordings ---------------------------

def test_the_report_pdf_shows_an_items_picture_and_names_its_recording(admin, factory, tmp_path, pdf_text):
    picture = store_media(admin.institute_id, "harbour.png", image_bytes("PNG", (40, 30)))
    sound = store_media(admin.institute_id, "dialogue.wav", wav_bytes())
    skill = create_skill(admin, "Listening")
    question = create_question(admin, _question(skill, stem=(
        f'<p>Where are they?</p><audio controls src="{media_url(sound)}" data-max-plays="2"></audio>'
        f'<img src="{media_url(picture)}" alt="A harbour">')))
    assessment = create_assessment(admin, AssessmentInput(name="Listening", duration=10, sections=[
        SectionInput(name="All", question_ids=[question.id])]))
    db.session.commit()
    sitting = factory.finished_sitting(admin, factory.exam(admin, assessment=assessment), answer=right_answer)
    pdf, __ = staff_report_pdf(admin, sitting.id)
    images = poppler("pdfimages", pdf, tmp_path, "-list").splitlines()[2:]
    assert [line.split()[3:5] for line in images] == [["40", "30"]]        # width and height of the one image
    assert "Recording: dialogue.wav" in pdf_text(pdf)


def test_options_that_are_pictures_only_are_told_apart_by_their_files(admin):
    skill = create_skill(admin, "Pictures")
    cat, dog = (media_url(store_media(admin.institute_id, f"{name}.png", image_bytes("PNG", size)))
                for name, size in (("cat", (4, 4)), ("dog", (5, 5))))
    question = create_question(admin, _question(skill, options=[
        {"html": f'<img src="{cat}" alt="a cat">', "correct": True}, {"html": f'<img src="{dog}" alt="a dog">'}]))
    assert len(question.options) == 2
    with pytest.raises(ValidationError, match="Two options have the same text"):
        create_question(admin, _question(skill, options=[
            {"html": f'<img src="{cat}" alt="a cat">', "correct": True}, {"html": f'<img src="{cat}" alt="a cat">'}]))


def test_the_same_bytes_kept_by_another_request_meanwhile_are_that_file(admin, monkeypatch):
    """Two authors upload one file at once: the other request's row lands between this one's look and its
    insert. The unique index refuses the second row; this request answers with the first, not a 500."""
    data = image_bytes("PNG", (9, 9))
    keep_file = bank_media.storage.store_media_file

    def other_request_first(institute_id, extension, content):
        with db.engine.begin() as other:
            other.execute(Media.__table__.insert().values(
                institute_id=institute_id, filename="theirs.png", content_type="image/png", kind="image",
                size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                storage_key=keep_file(institute_id, extension, content)))
        return keep_file(institute_id, extension, content)

    monkeypatch.setattr(bank_media.storage, "store_media_file", other_request_first)
    media = store_media(admin.institute_id, "mine.png", data, actor=admin)
    db.session.commit()
    assert media.filename == "theirs.png"
    assert db.session.scalars(select(Media.filename)).all() == ["theirs.png"]
