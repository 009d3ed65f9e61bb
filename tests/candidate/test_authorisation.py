"""The candidate's requests are authorised by the sitting's link, never by the session cookie (which can
vanish mid-exam: cookies cleared, a new SECRET_KEY, another instance), with CSRF protection on as in
production; a post from another site's page is refused by what the browser says of its origin."""
import io

import pytest
from sqlalchemy import select

from tests.candidate.helpers import JPEG, PNG, items_by_type, page, register, start
from webapp.core import storage
from webapp.core.extensions import db
from webapp.sittings.models import ProctorEvent, Response, SittingStatus

JSON = {"Accept": "application/json"}
REFUSED = "This request did not come from the test's own page, so it was refused."


@pytest.fixture
def csrf_on(app):
    """CSRF protection as in production (the tests' app has it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def running(sitting):
    return start(sitting)


def _save(client, sitting, answer, headers=None):
    item = items_by_type(sitting)["SHORT_ANSWER"]
    return client.post(f"/s/{sitting.access_token}/answers", headers={**JSON, **(headers or {})},
                       json={"item_id": item.id, "answer": answer, "version": 1})


def _stored(sitting) -> Response:
    db.session.expire_all()
    item = items_by_type(sitting)["SHORT_ANSWER"]
    return db.session.scalar(select(Response).where(Response.item_id == item.id))


def test_the_pages_set_no_session_cookie(client, running):
    """Nothing of the candidate's lives in the session, so nothing is lost with it."""
    response = client.get(f"/s/{running.access_token}")
    assert page(response).select("[data-question]")
    assert "Set-Cookie" not in response.headers
    assert page(response).select_one("meta[name=csrf-token]") is None


def test_saves_events_and_finishing_need_no_session(app, csrf_on, running):
    client = app.test_client()   # no cookie at all, as after the browser lost it
    response = _save(client, running, {"text": "Paris"})
    assert response.json["saved"] is True and _stored(running).answer == {"text": "Paris"}
    response = client.post(f"/s/{running.access_token}/events", headers=JSON, json={"kind": "copy_attempt"})
    assert response.json == {"recorded": "copy_attempt"}
    assert db.session.scalar(select(ProctorEvent.kind).where(ProctorEvent.kind == "copy_attempt")) == "copy_attempt"
    client.post(f"/s/{running.access_token}/finish")
    db.session.expire_all()
    assert running.status == SittingStatus.EXAM_FINISHED and running.total_marks == 2


def test_the_check_keeps_its_photos_without_a_session(app, csrf_on, admin, make_exam):
    sitting = register(admin, make_exam(image_proctoring=True, candidate_auth_proctored=True))
    client = app.test_client()
    client.get(f"/s/{sitting.access_token}")
    client.delete_cookie("session")
    client.post(f"/s/{sitting.access_token}/check", content_type="multipart/form-data", data={
        "browser": "{}", "consent": "y", "reference_photo": (io.BytesIO(JPEG), "me.jpg", "image/jpeg"),
        "id_photo": (io.BytesIO(PNG), "id.png", "image/png")})
    db.session.expire_all()
    assert sitting.status == SittingStatus.EXAM_SESSION_OPENED
    assert storage.read_image(sitting.check["reference_photo"]) == (JPEG, "image/jpeg")
    assert storage.read_image(sitting.check["id_photo"]) == (PNG, "image/png")


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},   # a sibling subdomain is another site's page too
    {"Origin": "https://attacker.example"},
    {"Origin": "null"},
])
def test_a_post_from_another_site_is_refused_and_changes_nothing(client, csrf_on, running, headers):
    response = _save(client, running, {"text": "Paris"}, headers)
    assert response.status_code == 403
    assert response.json == {"status": "error", "error": {"code": "E403", "message": REFUSED}}
    assert _stored(running).answer is None
    response = client.post(f"/s/{running.access_token}/finish", headers=headers)
    assert page(response).select_one("[data-problem]")["data-problem"] == "cross_site"
    assert REFUSED in page(response).select_one("[data-problem]").get_text(" ", strip=True)
    db.session.expire_all()
    assert running.status == SittingStatus.EXAM_STARTED


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://localhost"},                  # the host the request came to
    {"Origin": "http://proctora.localhost"},         # BASE_URL, behind a proxy that changes the host
    {},                                              # not a browser: it carries no one else's authority
])
def test_a_post_from_the_tests_own_page_is_accepted(client, csrf_on, running, headers):
    assert _save(client, running, {"text": "Paris"}, headers).json["saved"] is True
    assert _stored(running).answer == {"text": "Paris"}
