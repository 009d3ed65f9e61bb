"""Retakes on the candidate's pages: the done page's "Take the test again" and the date a retake becomes
possible, the retake's new sitting going through the check like a first attempt, the earlier link leading
to the newer attempt, and registering again through an open exam's link starting the next attempt."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.candidate.helpers import inputs_by_label, page, register, start
from webapp.core import clock
from webapp.core.extensions import db
from webapp.notifications.models import OutboxMessage
from webapp.sittings import taking
from webapp.sittings.models import Sitting, SittingStatus

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _finished(sitting: Sitting) -> Sitting:
    clock.freeze(T0)
    start(sitting)
    taking.finish(sitting)
    db.session.commit()
    return sitting


def _attempts(exam) -> list[Sitting]:
    return list(db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id).order_by(Sitting.attempt)))


def test_the_done_page_offers_the_next_attempt_which_goes_through_the_check(client, admin, make_exam):
    exam = make_exam(access_type="ByInvitation", max_attempts=3, image_proctoring=True)
    first = _finished(register(admin, exam))
    done = page(client.get(f"/s/{first.access_token}"))
    button = done.select_one("[data-retake] form [data-retake-start]")
    assert button.get_text() == "Take the test again (attempt 2 of 3)"
    assert button.find_parent("form")["action"] == f"/s/{first.access_token}/retake"

    response = client.post(f"/s/{first.access_token}/retake")
    first_attempt, retake = _attempts(exam)
    assert (retake.attempt, retake.candidate_id) == (2, first.candidate_id)
    assert response.headers["Location"] == f"/s/{retake.access_token}"
    # Like a first attempt: the check (with the camera this exam asks for), then the paper of its own.
    check = page(client.get(response.headers["Location"]))
    assert check.select_one("form")["action"] == f"/s/{retake.access_token}/check"
    assert retake.status == SittingStatus.CHECK_STARTED and first_attempt.status == SittingStatus.EXAM_FINISHED

    # The earlier link leads to the newer attempt, and a second press starts nothing more.
    again = page(client.get(f"/s/{first.access_token}"))
    assert again.select_one("[data-retake]") is None
    go_on = again.select_one("[data-newer-attempt]")
    assert go_on["href"] == f"/s/{retake.access_token}" and " ".join(go_on.get_text().split()) == \
        "Go on with attempt 2 of 3"
    assert client.post(f"/s/{first.access_token}/retake").headers["Location"] == f"/s/{first.access_token}"
    assert len(_attempts(exam)) == 2


def test_while_waiting_the_done_page_names_the_moment_and_nothing_starts(client, admin, make_exam):
    exam = make_exam(access_type="ByInvitation", max_attempts=2, retake_wait_hours=48)
    first = _finished(register(admin, exam))
    reason = page(client.get(f"/s/{first.access_token}")).select_one("[data-retake] [data-retake-reason]")
    assert reason.get_text() == "You may take this test again from Wed, Mar 4, 2026, 09:00 (UTC)."
    assert client.post(f"/s/{first.access_token}/retake").headers["Location"] == f"/s/{first.access_token}"
    assert len(_attempts(exam)) == 1

    clock.move(timedelta(hours=48))
    assert page(client.get(f"/s/{first.access_token}")).select_one("[data-retake-start]") is not None
    retake = client.post(f"/s/{first.access_token}/retake").headers["Location"]
    second = _attempts(exam)[1]
    assert retake == f"/s/{second.access_token}"
    start(second)
    taking.finish(second)
    db.session.commit()
    last = page(client.get(retake)).select_one("[data-retake] [data-retake-reason]")
    assert last.get_text() == "You have used both attempts this test allows; no attempts are left."


def test_an_exam_of_one_attempt_says_nothing_of_retakes(client, admin, make_exam):
    first = _finished(register(admin, make_exam(access_type="ByInvitation")))
    soup = page(client.get(f"/s/{first.access_token}"))
    assert soup.h1.get_text() == "Your answers are submitted"
    assert soup.select_one("[data-retake]") is None and soup.select_one("[data-newer-attempt]") is None
    assert client.post(f"/s/{first.access_token}/retake").headers["Location"] == f"/s/{first.access_token}"


def _register_again(client, exam, email: str):
    form = inputs_by_label(page(client.get(f"/t/{exam.access_key}")))
    return page(client.post(f"/t/{exam.access_key}", data={form["Email Address"]: email, form["First Name"]: "Ann",
                                                               form["Last Name"]: "Lee"}))


def _links_mailed_to(email: str) -> list[str]:
    return [message.payload["text"] for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email, OutboxMessage.topic == "exam_invitation")
        .order_by(OutboxMessage.id))]


def test_registering_again_on_an_open_exam_starts_the_next_attempt_by_email(client, admin, make_exam):
    exam = make_exam(access_type="OpenForAll", max_attempts=2, retake_wait_hours=1)
    first = _finished(register(admin, exam))

    waiting = _register_again(client, exam, "ann@example.com").select_one("[data-notice]").get_text()
    assert waiting == "You have already taken this test. You may take this test again from Mon, Mar 2, 2026, " \
                      "10:00 (UTC)."
    assert len(_attempts(exam)) == 1 and _links_mailed_to("ann@example.com") == []

    clock.move(timedelta(hours=1))
    response = _register_again(client, exam, "ANN@example.com")
    notice = response.select_one("[data-notice]").get_text()
    assert notice.startswith("This e-mail address is already registered") and "we have e-mailed your personal link" in notice
    _, retake = _attempts(exam)
    assert retake.attempt == 2 and retake.access_token not in str(response)   # only the owner gets the link
    mailed, = _links_mailed_to("ann@example.com")
    assert f"/s/{retake.access_token}" in mailed and first.access_token not in mailed

    # While the retake waits to be taken, registering again mails the same link once more.
    _register_again(client, exam, "ann@example.com")
    assert len(_attempts(exam)) == 2 and f"/s/{retake.access_token}" in _links_mailed_to("ann@example.com")[1]
