"""Accommodations a proctor grants a candidate: extra time in percent (WCAG 2.1 "timing adjustable"),
larger text and high contrast, before the test or while it runs."""
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.candidate.helpers import paper_assessment, register
from tests.conftest import log_in
from tests.proctoring.conftest import T0, started
from webapp.assessments.services import SectionInput
from webapp.audit.models import AuditEntry
from webapp.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.exams.services import set_proctor_pool
from webapp.proctoring import services
from webapp.sittings import taking
from webapp.sittings.models import ProctorEvent


def _start(admin, sitting, now=T0):
    taking.start_check(sitting, ip_address="127.0.0.1", now=now)
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True, now=now)
    if sitting.status.value == "check_completed":
        services.admit(admin, sitting.id, now=now)
    taking.start_exam(sitting, now=now)


def test_extra_time_granted_before_the_start_lengthens_the_test(admin, exam, pool_proctor):
    sitting = register(admin, exam)
    services.accommodate(pool_proctor, sitting.id, extra_time_percent="50", large_text=True, high_contrast=False)
    assert (sitting.extra_time_percent, sitting.large_text, sitting.high_contrast) == (50, True, False)
    assert sitting.allowed_minutes == 45     # a 30-minute test
    _start(admin, sitting)
    assert sitting.deadline == T0 + timedelta(minutes=45)
    entry, = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "sitting.accommodations")).all()
    assert entry.before["extra_time_percent"] == 0 and entry.after["extra_time_percent"] == 50
    assert db.session.scalar(select(ProctorEvent).where(ProctorEvent.sitting_id == sitting.id,
                                                        ProctorEvent.kind == "accommodations"))


def test_during_the_test_extra_time_grows_the_deadline_and_never_shrinks(admin, exam, pool_proctor):
    sitting = started(admin, exam)
    assert sitting.deadline == T0 + timedelta(minutes=30)
    services.accommodate(pool_proctor, sitting.id, extra_time_percent=25, large_text=False, high_contrast=True,
                         now=T0 + timedelta(minutes=10))
    assert sitting.deadline == T0 + timedelta(minutes=38)      # 25 % of 30 minutes, rounded up: 8
    assert taking.remaining_seconds(sitting, now=T0 + timedelta(minutes=10)) == 28 * 60
    services.accommodate(pool_proctor, sitting.id, extra_time_percent=50, large_text=False, high_contrast=True,
                         now=T0 + timedelta(minutes=11))
    assert sitting.deadline == T0 + timedelta(minutes=45)
    with pytest.raises(Conflict) as refused:
        services.accommodate(pool_proctor, sitting.id, extra_time_percent=10, large_text=False, high_contrast=True,
                             now=T0 + timedelta(minutes=12))
    assert refused.value.field == "extra_time_percent"
    db.session.rollback()


def test_a_timed_section_gets_its_share_too(admin, factory, paper, pool_proctor):
    assessment = paper_assessment(admin, paper, name="Timed", duration=40, sections=[
        SectionInput(name="Reading", question_ids=paper[:1], duration=20),
        SectionInput(name="Writing", question_ids=paper[1:], duration=20)])
    exam = factory.exam(admin, assessment=assessment, access_type="ByInvitation")
    set_proctor_pool(admin, exam.id, [pool_proctor.id])
    sitting = register(admin, exam)
    services.accommodate(pool_proctor, sitting.id, extra_time_percent=50, large_text=False, high_contrast=False)
    _start(admin, sitting)
    assert sitting.deadline == T0 + timedelta(minutes=60)
    assert taking.section_deadline(sitting) == T0 + timedelta(minutes=30)


def test_refused_when_over_out_of_range_or_not_the_proctors(admin, exam, pool_proctor, outsider, factory):
    sitting = started(admin, exam)
    for wrong in ("-5", "301", "many"):
        with pytest.raises(ValidationError):
            services.accommodate(pool_proctor, sitting.id, extra_time_percent=wrong, large_text=False,
                                 high_contrast=False)
    with pytest.raises((PermissionDenied, NotFound)):
        services.accommodate(outsider, sitting.id, extra_time_percent=10, large_text=False, high_contrast=False)
    _, other = factory.institute("Elsewhere")
    with pytest.raises(NotFound):
        services.accommodate(other, sitting.id, extra_time_percent=10, large_text=False, high_contrast=False)
    services.terminate(pool_proctor, sitting.id, "Done.", now=T0 + timedelta(minutes=1))
    with pytest.raises(Conflict):
        services.accommodate(pool_proctor, sitting.id, extra_time_percent=10, large_text=False, high_contrast=False)
    db.session.rollback()


def test_set_from_the_sitting_page_and_shown_on_the_candidates_pages(client, app, admin, exam, pool_proctor):
    sitting = register(admin, exam)
    log_in(client, pool_proctor)
    page = BeautifulSoup(client.get(f"/proctoring/sittings/{sitting.id}").get_data(as_text=True), "html.parser")
    form = page.select_one('form[data-action="accommodations"]')
    assert form.select_one('input[name="extra_time_percent"]')["value"] == "0"
    answer = client.post(form["action"], data={"extra_time_percent": "100", "large_text": "1", "high_contrast": "1"},
                         follow_redirects=True)
    assert "Accommodations saved" in answer.get_data(as_text=True)
    db.session.refresh(sitting)
    assert (sitting.extra_time_percent, sitting.large_text, sitting.high_contrast) == (100, True, True)
    candidate_page = app.test_client().get(f"/s/{sitting.access_token}")
    html = BeautifulSoup(candidate_page.get_data(as_text=True), "html.parser").html
    assert {"large-text", "high-contrast"} <= set(html.get("class", []))
