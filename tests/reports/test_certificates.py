"""When certificates are issued and revoked: a proctoring violation before grading blocks issuing, one
found later revokes the certificate, and an admin's override issues it after all."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import right_answer
from webapp import create_app
from webapp.core.extensions import db, limiter
from webapp.exams.services import set_proctor_pool
from webapp.proctoring.services import override_review, review
from webapp.results.certificates import CORRECTED_REASON, VIOLATION_REASON, certificate_of, revoke
from webapp.results.grading import grade_response
from webapp.sittings.models import Response, SittingItem


def _finished(factory, admin, exam):
    return factory.finished_sitting(admin, exam, answer=right_answer)


def _grade_the_essay(admin, sitting, marks: float) -> None:
    response = db.session.scalar(select(Response).join(SittingItem, SittingItem.id == Response.item_id).where(
        Response.sitting_id == sitting.id, SittingItem.question_type == "LONG_ANSWER"))
    grade_response(admin, response.id, marks, "Clear and well organised.")
    db.session.commit()


def test_a_certificate_waits_for_the_grader(admin, factory, essay_certification):
    sitting = _finished(factory, admin, essay_certification)
    assert sitting.graded_at is None and certificate_of(sitting) is None

    _grade_the_essay(admin, sitting, 4)

    certificate = certificate_of(sitting)
    assert sitting.passed and certificate.is_valid and certificate.level.value == "B2"
    assert certificate.candidate_name == sitting.candidate.name and certificate.assessment_name == "Writing B2"


def test_a_violation_before_grading_blocks_issuing_until_an_override(admin, factory, essay_certification):
    sitting = _finished(factory, admin, essay_certification)
    review(admin, sitting.id, "violation", "A second voice in the room.")
    db.session.commit()

    _grade_the_essay(admin, sitting, 5)

    assert sitting.passed is True and certificate_of(sitting) is None
    override_review(admin, sitting.id, "The voice was the invigilator's.")
    db.session.commit()
    assert certificate_of(sitting).is_valid


def test_a_violation_after_issuing_revokes(client, admin, factory, passed_sitting):
    certificate = certificate_of(passed_sitting)
    proctor = factory.staff(admin.institute, "proctor")
    set_proctor_pool(admin, passed_sitting.exam_id, [proctor.id])
    review(proctor, passed_sitting.id, "violation", "Phone on the desk.")
    db.session.commit()

    assert not certificate.is_valid and certificate.revoked_reason == VIOLATION_REASON
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "was revoked" in page and VIOLATION_REASON in page

    # An override releases the result and gives the same certificate back: no second one appears.
    override_review(admin, passed_sitting.id, "Appeal accepted.")
    db.session.commit()
    assert certificate_of(passed_sitting).id == certificate.id and certificate.is_valid
    assert "was revoked" not in client.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_an_admins_revocation_outlasts_a_released_result(admin, factory, passed_sitting):
    certificate = certificate_of(passed_sitting)
    revoke(admin, certificate.id, "Issued by mistake.")
    proctor = factory.staff(admin.institute, "proctor")
    set_proctor_pool(admin, passed_sitting.exam_id, [proctor.id])
    review(proctor, passed_sitting.id, "violation", "Phone on the desk.")
    override_review(admin, passed_sitting.id, "Appeal accepted.")
    db.session.commit()
    assert not certificate.is_valid and certificate.revoked_reason == "Issued by mistake."


def test_a_correction_below_the_pass_mark_withdraws_the_certificate_and_back_again(admin, factory,
                                                                                   essay_certification):
    sitting = _finished(factory, admin, essay_certification)
    _grade_the_essay(admin, sitting, 4)
    certificate = certificate_of(sitting)
    assert sitting.passed and certificate.is_valid

    _grade_the_essay(admin, sitting, 0)
    assert sitting.passed is False and sitting.level is None
    assert not certificate.is_valid and certificate.revoked_reason == CORRECTED_REASON

    _grade_the_essay(admin, sitting, 4)
    assert sitting.passed and certificate_of(sitting).id == certificate.id and certificate.is_valid


def test_a_failed_certification_has_no_certificate(admin, factory, essay_certification):
    sitting = _finished(factory, admin, essay_certification)
    _grade_the_essay(admin, sitting, 1)      # 3 of 7 marks, under 60 %
    assert sitting.passed is False and certificate_of(sitting) is None


def test_the_verification_page_is_rate_limited(app_config, passed_sitting, monkeypatch):
    # The limiter is one object for every app: give it back disabled to the other tests.
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True})
    client = limited.test_client()
    statuses = [client.get(f"/verify/CODE-{number}").status_code for number in range(61)]
    assert statuses[:60] == [404] * 60 and statuses[60] == 429
    assert client.get(f"/verify/{certificate_of(passed_sitting).code}.pdf").status_code == 429
