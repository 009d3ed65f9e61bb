"""The personal link (/s/<token>): one URL whose page follows the sitting's state, the problem pages,
the waiting room's poll, the start, and the institute's branding."""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from tests.candidate.helpers import page, register, start
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.exams.services import set_active
from webapp.proctoring import services as proctoring
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, ProctorEvent, SittingStatus
from webapp.sittings.state_machine import transition


def _link(sitting) -> str:
    return f"/s/{sitting.access_token}"


def _check_done(sitting, now=None):
    taking.start_check(sitting, ip_address="127.0.0.1", now=now)
    taking.complete_check(sitting, browser={}, now=now)
    db.session.commit()


def test_an_unknown_personal_link(client):
    response = client.get("/s/not-a-token")
    soup = page(response)
    assert response.status_code == 404 and soup.h1.get_text() == "Unknown link"
    assert soup.select_one(".topbar") is None   # the candidate's layout, not the console's
    as_json = client.get("/s/not-a-token/clock", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.json["error"]["message"] == "Test link not found."


def test_opening_the_link_starts_the_check_and_reloading_is_harmless(client, sitting):
    for _ in range(2):
        response = client.get(_link(sitting))
        assert page(response).h1.get_text() == "Before the test: a quick check"
    assert sitting.status == SittingStatus.CHECK_STARTED and sitting.ip_address == "127.0.0.1"
    assert db.session.scalar(select(func.count()).select_from(ProctorEvent).where(ProctorEvent.kind == "check_started")) == 1
    assert response.headers["Cache-Control"] == "no-store"


def test_the_candidates_pages_show_the_institutes_favicon(client, admin, sitting):
    from tests.images import image_bytes
    from webapp.accounts.services import update_white_label

    def icon():
        return page(client.get(_link(sitting))).select_one("link[rel=icon]")["href"]

    assert icon().endswith("/static/favicon.svg")
    update_white_label(admin, settings={}, images={"favicon": image_bytes("PNG", (16, 16))})
    db.session.commit()
    assert icon() == f"/branding/{admin.institute_id}/favicon"


def test_an_invitation_mailed_also_opens_on_the_check(client, sitting):
    transition(sitting, SittingStatus.MAIL_SENT)
    db.session.commit()
    assert page(client.get(_link(sitting))).h1.get_text() == "Before the test: a quick check"


def test_the_check_without_proctoring_leads_to_the_instructions(client, sitting):
    client.get(_link(sitting))
    response = client.post(f"{_link(sitting)}/check", data={"browser": '{"userAgent": "Firefox", "localStorage": true}'})
    assert response.status_code == 302 and response.headers["Location"] == _link(sitting)
    assert sitting.status == SittingStatus.EXAM_SESSION_OPENED
    assert sitting.check["browser"] == {"userAgent": "Firefox", "localStorage": "True"}
    soup = page(client.get(_link(sitting)))
    assert soup.h1.get_text() == "Mixed test"
    assert "30 minutes" in soup.get_text() and soup.find("button", string="Start the test")
    # Sending the check again from an old tab changes nothing.
    assert client.post(f"{_link(sitting)}/check", data={}).headers["Location"] == _link(sitting)


def test_the_waiting_room_until_a_proctor_admits(client, factory, admin, make_exam):
    sitting = register(admin, make_exam(admission_required=True))
    _check_done(sitting)
    soup = page(client.get(_link(sitting)))
    assert soup.h1.get_text() == "Please wait" and "A proctor will let you into the test" in soup.get_text()
    poll = soup.select_one("[hx-get]")
    assert poll["hx-get"] == f"{_link(sitting)}/waiting" and poll["hx-trigger"] == "every 3s"
    waiting = client.get(poll["hx-get"])
    assert waiting.status_code == 204 and "HX-Redirect" not in waiting.headers
    proctoring.admit(admin, sitting.id)
    db.session.commit()
    admitted = client.get(poll["hx-get"])
    assert admitted.headers["HX-Redirect"] == _link(sitting)
    assert page(client.get(_link(sitting))).find("button", string="Start the test")


def test_the_waiting_room_lets_the_candidate_in_when_the_window_opens(client, admin, make_exam):
    today = date.today()
    exam = make_exam(schedule_type="Fixed", fixed_access_option="ExactTime", starts_on_date=today - timedelta(days=1),
                     ends_on_date=today + timedelta(days=1))
    sitting = register(admin, exam)
    # The check was done before the window opened, so the session did not open then.
    _check_done(sitting, now=datetime.combine(today - timedelta(days=2), time(12), timezone.utc))
    assert sitting.status == SittingStatus.CHECK_COMPLETED
    response = client.get(f"{_link(sitting)}/waiting")
    assert response.headers["HX-Redirect"] == _link(sitting)
    assert sitting.status == SittingStatus.EXAM_SESSION_OPENED


def test_start_freezes_the_paper_and_shows_the_first_question(client, sitting):
    _check_done(sitting)
    response = client.post(f"{_link(sitting)}/start")
    assert response.headers["Location"] == _link(sitting)
    assert sitting.status == SittingStatus.EXAM_STARTED
    client.post(f"{_link(sitting)}/start")   # a second click finds the test running
    soup = page(client.get(_link(sitting)))
    questions = soup.select("[data-question]")
    assert [question.get("hidden") for question in questions] == [None, "", "", "", ""]
    assert questions[0].h2.get_text(" ", strip=True) == "Question 1 of 5"
    assert soup.select_one("[data-exam]")["data-position"] == "0"
    assert 1790 <= int(soup.select_one("[data-exam]")["data-remaining"]) <= 1800
    assert soup.select_one("[data-timer]").get_text() in ("30:00", "29:59")
    assert [button.get_text() for button in soup.select("[data-goto]")] == ["1", "2", "3", "4", "5"]


def test_a_finished_test_shows_the_done_page(client, sitting):
    start(sitting)
    taking.finish(sitting)
    db.session.commit()
    soup = page(client.get(_link(sitting)))
    assert soup.h1.get_text() == "Your answers are submitted" and soup.select_one(".result") is None


def test_an_overdue_test_is_closed_when_its_link_is_opened(client, sitting):
    start(sitting, now=utcnow() - timedelta(hours=1))
    soup = page(client.get(_link(sitting)))
    assert soup.h1.get_text() == "Your answers are submitted"
    assert "The time for the test ran out" in soup.get_text()
    db.session.expire_all()
    assert sitting.finish_mode == FinishMode.EXPIRED


def test_an_inactive_exam_stops_its_links(client, admin, exam, sitting):
    set_active(admin, exam.id, False)
    db.session.commit()
    response = client.get(_link(sitting))
    assert response.status_code == 403 and page(response).h1.get_text() == "This test is not available"
    assert sitting.status == SittingStatus.REGISTERED


def test_a_link_before_the_window_opens(client, admin, make_exam):
    day = date.today() + timedelta(days=10)
    exam = make_exam(schedule_type="Fixed", fixed_access_option="SlotWise", starts_on_date=day, ends_on_date=day + timedelta(days=2),
                     starts_on_time=time(14), ends_on_time=time(16), time_zone="UTC-04:00")
    sitting = register(admin, exam)
    soup = page(client.get(_link(sitting)))
    assert soup.h1.get_text() == "The test is not open yet"
    assert soup.find("time").get_text() == f"{day:%a}, {day:%b} {day.day}, {day.year}, 14:00 (UTC-04:00)"
    assert "Daily from 14:00 to 16:00 (UTC-04:00)" in soup.get_text()
    assert sitting.status == SittingStatus.REGISTERED   # no check before the window opens


def test_a_link_after_the_window_closed(client, admin, make_exam):
    day = date.today() - timedelta(days=10)
    sitting = register(admin, make_exam(schedule_type="Fixed", fixed_access_option="ExactTime", starts_on_date=day,
                                        ends_on_date=day))
    response = client.get(_link(sitting))
    assert response.status_code == 403 and page(response).h1.get_text() == "This test is closed"


def test_a_link_from_an_address_not_allowed(client, admin, make_exam):
    sitting = register(admin, make_exam(ip_restriction="SINGLE", ip_addresses=["192.0.2.10"]))
    response = client.get(_link(sitting))
    assert response.status_code == 403 and "127.0.0.1" in page(response).get_text()
    allowed = client.get(_link(sitting), environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert page(allowed).h1.get_text() == "Before the test: a quick check"


def test_the_pages_carry_the_institutes_logo(client, admin, exam, sitting):
    admin.institute.logo, admin.institute.logo_mimetype = b"\x89PNG\r\n\x1a\n-logo", "image/png"
    db.session.commit()
    logo = page(client.get(_link(sitting))).select_one("img.logo")
    assert logo["alt"] == "" and logo["src"].startswith(f"/branding/{admin.institute_id}/logo?v=")
    response = client.get(logo["src"])
    assert response.data == b"\x89PNG\r\n\x1a\n-logo" and response.mimetype == "image/png"
    assert response.headers["Cache-Control"].startswith("public")


def test_without_a_logo_there_is_none_to_fetch(client, exam, sitting):
    document = page(client.get(_link(sitting)))
    assert document.select_one("img.logo") is None
    assert client.get(f"/branding/{exam.institute_id}/logo").status_code == 404
    # The institute's white-label colours come as a style sheet of their own (no inline style).
    assert document.select_one(f'link[href="/branding/{exam.institute_id}/theme.css"]') is not None
