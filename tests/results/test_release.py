"""Release (webapp/results/release.py): each policy, the review paths, staff releasing one result or the
results page's selection, and what a change after the release tells: every e-mail, callback and
certificate once, a correction that names what changed, the candidate's level put right."""
from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.candidate.helpers import register, start
from tests.conftest import log_in, right_answer
from tests.results.helpers import answering, tagged_assessment
from tests.results.test_outcomes import candidate_at_level
from webapp.audit.models import AuditEntry
from webapp.bank.models import CefrLevel
from webapp.cli.demo import take_test
from webapp.core.errors import Conflict, NotFound, PermissionDenied
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.notifications.models import OutboxMessage
from webapp.proctoring.services import override_review, raise_flag, review, terminate
from webapp.results.grading import grade_response, remark
from webapp.results.models import Certificate
from webapp.results.release import release, release_count, release_matching, result_state
from webapp.sittings.models import Response, Sitting, SittingItem

PROCTORED = {"web_proctoring_enabled": True}


def _certification(admin, factory, name: str = "December session", **exam_settings):
    assessment = tagged_assessment(admin, ["B1"] * 20, kind="certification", target_level="B1", pass_mark_percent=65,
                                   name="B1 certificate" if name == "December session" else f"B1 certificate {name}")
    return factory.exam(admin, assessment, name=name, **exam_settings)


def _mail(topic: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == "email").order_by(OutboxMessage.id)
    return [message for message in db.session.scalars(query) if topic is None or message.topic == topic]


def _callbacks() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "webhook")
                              .order_by(OutboxMessage.id)).all()


def _certificate(sitting) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))


def _held(sitting) -> None:
    """Nothing of the result has reached the candidate or the outside."""
    assert sitting.graded_at is not None and sitting.released_at is None
    assert result_state(sitting) in ("pending", "withheld")
    assert _mail("certification_result") == [] and _callbacks() == [] and _certificate(sitting) is None


def _response(sitting, index: int = 0) -> Response:
    return db.session.scalars(select(Response).join(SittingItem, SittingItem.id == Response.item_id)
                              .where(Response.sitting_id == sitting.id).order_by(SittingItem.position)).all()[index]


# Each policy ---------------------------------------------------------------------------------------------

def test_at_once_releases_when_graded_and_tells_everything_once(admin, factory, receiver):
    exam = _certification(admin, factory, test_graded_notification_url=receiver.url("/graded"))
    sitting = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 13}))

    assert sitting.released_at is not None and sitting.released_by_id is None
    assert result_state(sitting) == "shown" and sitting.candidate.current_level == CefrLevel.B1
    [mail] = _mail("certification_result")
    assert mail.recipient == "ann@example.com"
    assert len(_callbacks()) == 1 and _certificate(sitting).is_valid
    assert sitting.released_outcome == {"total": 13.0, "max": 20.0, "percent": 65.0, "level": "B1", "passed": True,
                                        "certificate": _certificate(sitting).code, "withheld": False}


def test_at_once_holds_a_test_a_proctor_ended_until_a_review(admin, factory):
    exam = _certification(admin, factory)
    sitting = start(register(admin, exam))
    terminate(admin, sitting.id, "Second person visible.")
    db.session.commit()
    _held(sitting)
    assert sitting.candidate.current_level is None

    review(admin, sitting.id, "clear", "The second person was the invigilator.")
    db.session.commit()
    assert sitting.released_at is not None and result_state(sitting) == "shown"
    [mail] = _mail("certification_result")
    assert mail.payload["subject"] == "Your certification result: not passed yet (B1 certificate)"


def test_at_once_holds_a_result_with_an_open_flag_until_a_review(admin, factory, essay_certification):
    sitting = factory.finished_sitting(admin, essay_certification, answer=right_answer)
    raise_flag(admin, sitting.id, "phone", "A phone on the desk.")
    grade_response(admin, _response(sitting, 2).id, 5)
    db.session.commit()
    _held(sitting)

    review(admin, sitting.id, "suspicious", "The phone stayed off.")
    db.session.commit()
    assert sitting.released_at is not None and _certificate(sitting).is_valid
    assert len(_mail("certification_result")) == 1


def test_after_review_waits_for_the_review_on_a_proctored_exam_only(admin, factory):
    proctored = _certification(admin, factory, release_policy="after_review", **PROCTORED)
    held = factory.finished_sitting(admin, proctored, answer=answering({"B1": 20}))
    unproctored = _certification(admin, factory, release_policy="after_review", name="Open session")
    at_once = factory.finished_sitting(admin, unproctored, answer=answering({"B1": 20}))

    assert held.released_at is None and result_state(held) == "pending" and _certificate(held) is None
    assert at_once.released_at is not None   # nobody would review it
    review(admin, held.id, "clear")
    db.session.commit()
    assert held.released_at is not None and _certificate(held).is_valid


def test_the_institute_default_applies_to_exams_without_their_own(factory):
    institute, admin = factory.institute("Strict School")
    institute.default_release_policy = "by_hand"
    db.session.commit()
    by_default = factory.finished_sitting(admin, _certification(admin, factory), answer=answering({"B1": 20}))
    own = factory.finished_sitting(admin, _certification(admin, factory, release_policy="at_once", name="Own"),
                                   answer=answering({"B1": 20}))

    assert by_default.released_at is None and own.released_at is not None


def test_by_hand_waits_for_staff_even_after_a_review(admin, factory):
    exam = _certification(admin, factory, release_policy="by_hand", **PROCTORED)
    sitting = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 20}))
    review(admin, sitting.id, "clear")
    db.session.commit()
    _held(sitting)
    examiner = factory.staff(admin.institute, Role.EXAMINER, name="Eve Examiner")

    release(examiner, sitting.id)
    db.session.commit()

    assert sitting.released_by_id == examiner.id and sitting.candidate.current_level == CefrLevel.B1
    assert len(_mail("certification_result")) == 1 and _certificate(sitting).is_valid
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "result.release")).all()
    assert (entry.actor_id, entry.target_id, entry.after) == (examiner.id, sitting.id, {"released": True})
    with pytest.raises(Conflict, match="released already"):
        release(examiner, sitting.id)
    assert len(_mail("certification_result")) == 1


# Violations and overrides --------------------------------------------------------------------------------

def test_a_violation_before_release_holds_it_and_tells_only_that_then_an_override_releases(admin, factory):
    exam = _certification(admin, factory, release_policy="after_review", **PROCTORED)
    sitting = factory.finished_sitting(admin, exam, answer=answering({"B1": 20}))
    review(admin, sitting.id, "violation", "Second person visible.")
    db.session.commit()

    assert result_state(sitting) == "withheld" and _certificate(sitting) is None
    assert [mail.topic for mail in _mail()] == ["result_withheld"]
    with pytest.raises(Conflict, match="violation withholds"):
        release(admin, sitting.id)

    override_review(admin, sitting.id, "The second person was the invigilator.")
    db.session.commit()
    assert sitting.released_at is not None and _certificate(sitting).is_valid
    assert [mail.topic for mail in _mail()] == ["result_withheld", "certification_result"]


def test_a_violation_after_release_withdraws_the_certificate_and_puts_the_level_back(admin, factory):
    exam = _certification(admin, factory)
    candidate = candidate_at_level(admin, exam, "ann@example.com", "A2")
    sitting = take_test(_sitting_of(candidate, exam), answering({"B1": 20}))
    db.session.commit()
    assert candidate.current_level == CefrLevel.B1 and _certificate(sitting).is_valid

    review(admin, sitting.id, "violation", "A phone on the desk.")
    db.session.commit()
    review(admin, sitting.id, "violation", "A phone on the desk, and notes.")   # changed again: told once
    db.session.commit()

    assert candidate.current_level == CefrLevel.A2 and not _certificate(sitting).is_valid
    assert [mail.topic for mail in _mail()] == ["certification_result", "result_withheld"]
    assert result_state(sitting) == "withheld"


def _sitting_of(candidate, exam):
    return db.session.scalar(select(Sitting).where(Sitting.candidate_id == candidate.id, Sitting.exam_id == exam.id))


# Corrections after release -------------------------------------------------------------------------------

def test_a_remark_that_turns_a_fail_into_a_pass_sends_one_correction_naming_the_changes(admin, factory, receiver):
    exam = _certification(admin, factory, test_graded_notification_url=receiver.url("/graded"))
    sitting = factory.finished_sitting(admin, exam, email="ann@example.com", answer=answering({"B1": 12}))
    assert sitting.passed is False and _certificate(sitting) is None
    wrong = next(response for response in db.session.scalars(select(Response).where(
        Response.sitting_id == sitting.id)) if not response.correct)

    remark(admin, sitting.id, wrong.id, 1, "The key was wrong.")
    db.session.commit()

    certificate = _certificate(sitting)
    assert sitting.passed is True and certificate.is_valid and sitting.candidate.current_level == CefrLevel.B1
    [correction] = _mail("result_corrected")
    assert correction.recipient == "ann@example.com"
    assert correction.payload["subject"] == "Your certification result is corrected (B1 certificate)"
    assert (f"- Score: 60 % -> 65 %\n- Result: not passed -> passed\n- Certificate issued: {certificate.code}\n"
            in correction.payload["text"])
    assert [json.loads(call.payload["body"])["marks_scored"] for call in _callbacks()] == [12, 13]
    assert sitting.released_outcome["passed"] is True


def test_a_change_nobody_sees_sends_nothing(admin, factory):
    exam = _certification(admin, factory)
    sitting = factory.finished_sitting(admin, exam, answer=answering({"B1": 20}))
    before = len(_mail()) + len(_callbacks())

    remark(admin, sitting.id, _response(sitting).id, 1, "Checked again: right.")
    db.session.commit()

    assert len(_mail()) + len(_callbacks()) == before and _mail("result_corrected") == []


def test_a_correction_that_fails_a_passed_result_withdraws_it_and_restores_the_level(admin, factory):
    exam = _certification(admin, factory)
    candidate = candidate_at_level(admin, exam, "ann@example.com", "A2")
    sitting = take_test(_sitting_of(candidate, exam), answering({"B1": 13}))
    db.session.commit()
    assert candidate.current_level == CefrLevel.B1

    remark(admin, sitting.id, _response(sitting).id, 0, "Not right after all.")
    db.session.commit()

    assert candidate.current_level == CefrLevel.A2 and not _certificate(sitting).is_valid
    [correction] = _mail("result_corrected")
    assert ("- Score: 65 % -> 60 %\n- Result: passed -> not passed\n- Certificate withdrawn\n"
            in correction.payload["text"])


# Staff release of a selection ----------------------------------------------------------------------------

def test_releasing_the_results_pages_selection_counts_first_and_skips_the_withheld(admin, factory):
    exam = _certification(admin, factory, release_policy="by_hand")
    passed = [factory.finished_sitting(admin, exam, answer=answering({"B1": 20})) for _ in range(3)]
    failed = factory.finished_sitting(admin, exam, answer=answering({"B1": 2}))
    review(admin, passed[2].id, "violation", "Notes on the desk.")
    db.session.commit()

    count = release_count(admin, exam.id, outcome="passed")
    assert (count.releasable, count.withheld, count.ungraded) == (2, 1, 0)
    # The release filter beside the counts' own reading of the reviews.
    withheld = release_count(admin, exam.id, release="withheld")
    assert (withheld.releasable, withheld.withheld, withheld.ungraded) == (0, 1, 0)
    assert release_count(admin, exam.id, release="unreleased", outcome="passed").releasable == 2
    done = release_matching(admin, exam.id, outcome="passed")
    db.session.commit()

    assert (done.releasable, done.withheld) == (2, 1)
    assert [sitting.released_at is not None for sitting in (*passed, failed)] == [True, True, False, False]
    assert db.session.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "result.release")
                              .order_by(AuditEntry.target_id)).all() == [passed[0].id, passed[1].id]
    assert release_count(admin, exam.id).releasable == 1   # the failed one is left


@pytest.mark.parametrize("role", [Role.PROCTOR, Role.SUPPORT])
def test_proctors_and_support_may_not_release(admin, factory, role):
    sitting = factory.finished_sitting(admin, _certification(admin, factory, release_policy="by_hand"),
                                       answer=answering({"B1": 20}))
    with pytest.raises(PermissionDenied):
        release(factory.staff(admin.institute, role), sitting.id)
    with pytest.raises(PermissionDenied):
        release_matching(factory.staff(admin.institute, role), sitting.exam_id)


def test_another_institutes_result_is_not_found(admin, factory):
    sitting = factory.finished_sitting(admin, _certification(admin, factory, release_policy="by_hand"),
                                       answer=answering({"B1": 20}))
    other = factory.institute("Elsewhere")[1]
    with pytest.raises(NotFound):
        release(other, sitting.id)
    with pytest.raises(NotFound):
        release_count(other, sitting.exam_id)


# The results page ------------------------------------------------------------------------------------------

def test_the_results_page_counts_what_its_button_releases_and_releases_it(client, admin, factory):
    exam = _certification(admin, factory, release_policy="by_hand")
    for right in (20, 19, 2):
        factory.finished_sitting(admin, exam, answer=answering({"B1": right}))
    log_in(client, admin)

    fragment = client.get(f"/exams/{exam.id}/results?outcome=passed", headers={"HX-Request": "true"})
    soup = BeautifulSoup(fragment.get_data(as_text=True), "html.parser")
    assert soup.html is None   # the partial alone
    button = soup.select_one("[data-release-bar] button")
    assert button.get_text() == "Release 2 results" and button["data-release-count"] == "2"
    assert {field["name"]: field["value"] for field in soup.select("[data-release-bar] input[type=hidden]")
            if field["name"] != "csrf_token"} == {"outcome": "passed"}
    assert [cell["data-release-state"] for cell in soup.select("[data-field=release] span")] == ["unreleased"] * 2

    token = soup.select_one("[data-release-bar] input[name=csrf_token]")["value"]
    answer = client.post(f"/exams/{exam.id}/results/release", data={"csrf_token": token, "outcome": "passed"})
    assert answer.headers["Location"] == f"/exams/{exam.id}/results?outcome=passed"
    page = BeautifulSoup(client.get(answer.headers["Location"]).get_data(as_text=True), "html.parser")
    assert "2 results released." in page.get_text()
    assert [cell["data-release-state"] for cell in page.select("[data-field=release] span")] == ["released"] * 2
    assert page.select_one("[data-release-bar]") is None   # nothing left to release among the passed


def test_the_exam_form_and_the_institute_settings_set_the_policy_audited(client, admin, factory):
    exam = _certification(admin, factory)
    log_in(client, admin)
    form = BeautifulSoup(client.get(f"/exams/{exam.id}/edit").get_data(as_text=True), "html.parser")
    choices = [(option["value"], option.get_text()) for option in form.select("#release_policy option")]
    assert choices == [("", "The institute's default: At once"), ("at_once", "At once"),
                       ("after_review", "After the proctoring review"), ("by_hand", "By hand (staff release it)")]
    exam.release_policy = "by_hand"
    db.session.commit()
    form = BeautifulSoup(client.get(f"/exams/{exam.id}/edit").get_data(as_text=True), "html.parser")
    assert form.select_one("#release_policy option[selected]")["value"] == "by_hand"

    page = BeautifulSoup(client.get("/institute").get_data(as_text=True), "html.parser")
    data = {field["name"]: field.get("value", "") for field in page.select("form input[name]")
            if field.get("type") not in ("file", "checkbox")}
    client.post("/institute", data={**data, "default_release_policy": "after_review"})
    db.session.expire_all()
    assert admin.institute.default_release_policy == "after_review"
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "institute.update")).all()
    assert (entry.before, entry.after) == ({"default_release_policy": "at_once"},
                                           {"default_release_policy": "after_review"})
