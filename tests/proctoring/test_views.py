"""The proctor's pages and the candidate's proctoring endpoints, read with BeautifulSoup and JSON."""
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests.conftest import log_in
from tests.candidate.helpers import JPEG, register
from tests.proctoring.conftest import started
from webapp.audit.models import AuditEntry
from webapp.core.extensions import db
from webapp.proctoring import services
from webapp.proctoring.models import Snapshot
from webapp.sittings import taking
from webapp.sittings.models import Sitting, SittingStatus



def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_monitor_page_and_its_htmx_fragment(client, admin, exam, pool_proctor):
    sitting = started(admin, exam)
    register(admin, exam, "bob@example.com")
    log_in(client, pool_proctor)
    soup = _soup(client.get(f"/proctoring/exams/{exam.id}/monitor"))
    rows = soup.select("table.monitor tr[data-sitting-id]")
    assert len(rows) == 2
    assert soup.select_one("#monitor")["hx-trigger"] == "every 5s"
    fragment = _soup(client.get(f"/proctoring/exams/{exam.id}/monitor?state=running", headers={"HX-Request": "true"}))
    assert fragment.select_one("h1") is None
    row, = fragment.select("tr[data-sitting-id]")
    assert row["data-sitting-id"] == str(sitting.id) and row.select_one("[data-browsing]").text.strip() == "0 / 2"
    # Started a moment ago, before any heartbeat: online at once.
    assert row.select_one("[data-online]").text.strip() == "online"


def test_the_monitor_is_paged_and_its_refresh_keeps_the_page(client, admin, exam, pool_proctor, monkeypatch):
    monkeypatch.setattr(services, "MONITOR_PAGE", 1)
    register(admin, exam, "ann@example.com")
    second = register(admin, exam, "bob@example.com")
    log_in(client, pool_proctor)
    soup = _soup(client.get(f"/proctoring/exams/{exam.id}/monitor?page=2"))
    assert [row["data-sitting-id"] for row in soup.select("tr[data-sitting-id]")] == [str(second.id)]
    assert soup.select_one("[data-sitting-count]").text == "2"
    assert "page=2" in soup.select_one("#monitor")["hx-get"]
    assert soup.select_one("nav.pagination a[rel=prev]") is not None


def test_the_proctor_index_lists_only_pool_exams(client, admin, make_exam, pool_proctor):
    mine, other = make_exam(), make_exam(pool=[])
    log_in(client, pool_proctor)
    ids = [row["data-exam-id"] for row in _soup(client.get("/proctoring/")).select("tr[data-exam-id]")]
    assert ids == [str(mine.id)]
    assert client.get(f"/proctoring/exams/{other.id}/monitor").status_code == 403


def test_a_proctor_outside_the_pool_is_refused(client, admin, exam, outsider):
    sitting = started(admin, exam)
    log_in(client, outsider)
    assert client.get(f"/proctoring/exams/{exam.id}/monitor").status_code == 403
    response = client.post(f"/proctoring/sittings/{sitting.id}/terminate", data={"reason": "x"})
    assert response.status_code == 403
    db.session.refresh(sitting)
    assert sitting.status == SittingStatus.EXAM_STARTED


def test_admission_screen_and_the_candidates_waiting_page(client, admin, make_exam, pool_proctor, app):
    exam = make_exam(admission_required=True, image_proctoring=True, candidate_auth_proctored=True)
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={}, consent=True, photos={"reference_photo": JPEG, "id_photo": JPEG})
    db.session.commit()
    log_in(client, pool_proctor)
    soup = _soup(client.get(f"/proctoring/exams/{exam.id}/admission"))
    card, = soup.select(".admission-card")
    images = [img["src"] for img in card.select("img")]
    assert len(images) == 2 and client.get(images[1]).data == JPEG
    client.post(f"/proctoring/sittings/{sitting.id}/reject", data={"reason": "The ID photo is unreadable."})
    candidate = app.test_client()
    assert "The ID photo is unreadable." in _soup(candidate.get(f"/s/{sitting.access_token}")).select_one(
        "[data-refused]").text
    poll = candidate.get(f"/s/{sitting.access_token}/waiting")
    assert "The ID photo is unreadable." in poll.get_data(as_text=True)
    client.post(f"/proctoring/sittings/{sitting.id}/admit", data={"back": "admission"})
    db.session.refresh(sitting)
    assert sitting.status == SittingStatus.EXAM_SESSION_OPENED
    assert candidate.get(f"/s/{sitting.access_token}/waiting").headers["HX-Redirect"].endswith(sitting.access_token)


def test_the_admission_queue_costs_the_same_statements_for_one_or_five_waiting(client, admin, make_exam,
                                                                              pool_proctor, statements):
    """The queue is polled every 10 s by every proctor: no statement per waiting candidate."""
    exam = make_exam(admission_required=True)

    def waiting(count):
        for _ in range(count):
            sitting = register(admin, exam, f"wait{db.session.scalar(select(func.count(Sitting.id)))}@example.com")
            taking.start_check(sitting, ip_address="127.0.0.1")
            taking.complete_check(sitting, browser={})
            services.reject(admin, sitting.id, "Please retake the photo.")
        db.session.commit()
        statements.clear()
        page = _soup(client.get(f"/proctoring/exams/{exam.id}/admission", headers={"HX-Request": "true"}))
        assert [card.select_one(".refused").text for card in page.select(".admission-card")] == [
            "Refused before: Please retake the photo."] * len(page.select(".admission-card"))
        return len(statements)

    log_in(client, pool_proctor)
    assert waiting(1) == waiting(4)


def test_actions_from_the_sitting_page(client, admin, exam, pool_proctor, app):
    sitting = started(admin, exam)
    log_in(client, pool_proctor)
    soup = _soup(client.get(f"/proctoring/sittings/{sitting.id}"))
    assert {form["data-action"] for form in soup.select("form[data-action]")} >= {"message", "extend", "terminate",
                                                                                   "flag"}
    client.post(f"/proctoring/sittings/{sitting.id}/message", data={"body": "Eyes on the screen, please."})
    candidate = app.test_client()
    clock = candidate.get(f"/s/{sitting.access_token}/clock").json
    assert clock["messages"] == ["Eyes on the screen, please."]
    before = clock["remaining"]
    client.post(f"/proctoring/sittings/{sitting.id}/extend", data={"minutes": "10"})
    clock = candidate.get(f"/s/{sitting.access_token}/clock").json
    assert clock["messages"] == [] and clock["remaining"] >= before + 599
    # Now the page keeps its heartbeat: the poll is the one-statement path, which brings messages as well.
    client.post(f"/proctoring/sittings/{sitting.id}/message", data={"body": "Ten more minutes for you."})
    clock = candidate.get(f"/s/{sitting.access_token}/clock").json
    assert clock["messages"] == ["Ten more minutes for you."] and clock["status"] == "exam_started"
    assert candidate.get(f"/s/{sitting.access_token}/clock").json["messages"] == []
    client.post(f"/proctoring/sittings/{sitting.id}/flag", data={"category": "phone", "note": "Phone"})
    client.post(f"/proctoring/sittings/{sitting.id}/terminate", data={"reason": "Phone use."})
    db.session.refresh(sitting)
    assert sitting.finish_mode.value == "TerminatedByProctor"
    soup = _soup(client.get(f"/proctoring/sittings/{sitting.id}"))
    assert soup.select_one("form[data-action=resume]") is not None
    client.post(f"/proctoring/sittings/{sitting.id}/resume", data={"minutes": "5"})
    db.session.refresh(sitting)
    assert sitting.status == SittingStatus.EXAM_STARTED
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "sitting")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["sitting.message", "sitting.extend", "sitting.message", "sitting.flag", "sitting.terminate",
                       "sitting.resume"]


def test_browsing_events_answer_with_the_tolerance_left(client, admin, exam):
    sitting = started(admin, exam)
    url = f"/s/{sitting.access_token}/events"
    assert client.post(url, json={"kind": "tab_hidden"}).json == {
        "recorded": "tab_hidden", "status": "exam_started", "left": 1, "show_left": True}
    assert client.post(url, json={"kind": "window_blur"}).json["left"] == 0
    answer = client.post(url, json={"kind": "fullscreen_exit"}).json
    assert answer["status"] == "exam_finished"
    db.session.refresh(sitting)
    assert sitting.finish_mode.value == "BrowsingToleranceExceeded"
    assert client.post(url, json={"kind": "made_up"}, headers={"Accept": "application/json"}).status_code == 400


def test_snapshot_upload_and_gallery(client, admin, make_exam, pool_proctor, app):
    exam = make_exam(image_proctoring=True)
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="")
    taking.complete_check(sitting, browser={}, consent=True, photos={"reference_photo": JPEG})
    taking.start_exam(sitting)
    db.session.commit()
    candidate = app.test_client()
    page = _soup(candidate.get(f"/s/{sitting.access_token}"))
    assert page.select_one("[data-exam]")["data-snapshot-url"].endswith("/snapshot")
    response = candidate.post(f"/s/{sitting.access_token}/snapshot", data=JPEG, content_type="image/jpeg")
    assert response.json["stored"] is True
    assert candidate.post(f"/s/{sitting.access_token}/snapshot", data=b"nope",
                          headers={"Accept": "application/json"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 1
    log_in(client, pool_proctor)
    soup = _soup(client.get(f"/proctoring/sittings/{sitting.id}/snapshots"))
    image, = soup.select(".gallery img")
    assert client.get(image["src"]).data == JPEG
    monitor = _soup(client.get(f"/proctoring/exams/{exam.id}/monitor"))
    assert monitor.select_one("img.thumb")["src"] == image["src"]


def test_exam_page_links_to_the_monitor(client, admin, exam):
    log_in(client, admin)
    link = _soup(client.get(f"/exams/{exam.id}")).select_one("[data-live-monitor]")
    assert link["href"] == f"/proctoring/exams/{exam.id}/monitor"
