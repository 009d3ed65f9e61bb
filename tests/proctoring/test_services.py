"""Every proctor action, its permission and pool check, and the audit entry it writes; the browsing
tolerance; extend and resume arithmetic on a controlled clock; reviews; retention."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from tests.candidate.helpers import JPEG, register
from tests.proctoring.conftest import T0, started
from webapp.audit.models import AuditEntry
from webapp.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.notifications.models import OutboxMessage
from webapp.proctoring import services
from webapp.proctoring.models import Snapshot
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, Response, Sitting, SittingStatus

S = SittingStatus


# What the proctor's actions recorded; the fixtures' exams, assessments and questions are audited too.
ON_SITTINGS = AuditEntry.target_type == "sitting"


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# Who may act ------------------------------------------------------------------------------------------

def test_proctors_see_only_their_pools_admins_see_all(admin, make_exam, pool_proctor, outsider):
    mine, other = make_exam(name="Mine"), make_exam(name="Other", pool=[])
    assert {exam.name for exam in services.visible_exams(admin)} == {"Mine", "Other"}
    assert {exam.name for exam in services.visible_exams(pool_proctor)} == {"Mine"}
    assert services.visible_exams(outsider) == []
    with pytest.raises(PermissionDenied):
        services.monitor(pool_proctor, other.id)
    with pytest.raises(PermissionDenied):
        services.monitor(outsider, mine.id)
    services.monitor(pool_proctor, mine.id)
    services.monitor(admin, mine.id)


@pytest.mark.parametrize("action", ["admit", "reject", "message", "extend", "terminate", "flag", "resume", "review"])
def test_a_proctor_outside_the_pool_and_examiners_and_support_are_refused(admin, factory, exam, running, outsider,
                                                                         action):
    calls = {
        "admit": lambda user: services.admit(user, running.id),
        "reject": lambda user: services.reject(user, running.id, "no"),
        "message": lambda user: services.send_message(user, running.id, "hi"),
        "extend": lambda user: services.extend(user, running.id, 5),
        "terminate": lambda user: services.terminate(user, running.id, "cheating"),
        "flag": lambda user: services.raise_flag(user, running.id, "phone", ""),
        "resume": lambda user: services.resume(user, running.id, 5),
        "review": lambda user: services.review(user, running.id, "clear"),
    }
    for user in (outsider, factory.staff(admin.institute, "examiner"), factory.staff(admin.institute, "support")):
        with pytest.raises(PermissionDenied):
            calls[action](user)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(ON_SITTINGS)) == 0


def test_another_institutes_sitting_is_not_found(factory, running):
    from webapp.core.errors import NotFound
    _, other_admin = factory.institute("Elsewhere")
    with pytest.raises(NotFound):
        services.send_message(other_admin, running.id, "hello")


# Admission --------------------------------------------------------------------------------------------

def test_admission_admit_and_reject_with_a_reason(admin, make_exam, pool_proctor, outsider):
    exam = make_exam(admission_required=True)
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="1.2.3.4", now=T0)
    taking.complete_check(sitting, browser={}, now=T0)
    assert sitting.status == S.CHECK_COMPLETED
    with pytest.raises(PermissionDenied):
        services.admit(outsider, sitting.id)
    services.reject(pool_proctor, sitting.id, "Your ID photo is blurred.")
    assert services.rejection_reason(sitting) == "Your ID photo is blurred."
    assert [entry.after for entry in _audit("sitting.reject")] == [{"reason": "Your ID photo is blurred."}]
    _, waiting, reasons = services.admission_queue(pool_proctor, exam.id)
    assert [entry.id for entry in waiting] == [sitting.id]
    assert reasons == {sitting.id: "Your ID photo is blurred."}
    services.admit(pool_proctor, sitting.id)
    assert sitting.status == S.EXAM_SESSION_OPENED
    entry, = _audit("sitting.admit")
    assert (entry.actor_id, entry.before["status"], entry.after["status"]) == (
        pool_proctor.id, "check_completed", "exam_session_opened")
    assert services.rejection_reason(sitting) is None
    with pytest.raises(IllegalTransition):
        services.reject(pool_proctor, sitting.id, "late")


# Actions on a running sitting -------------------------------------------------------------------------

def test_message_is_delivered_once_by_the_heartbeat(running, pool_proctor):
    services.send_message(pool_proctor, running.id, "Please look at the camera.")
    db.session.commit()
    assert services.heartbeat(running, now=T0 + timedelta(minutes=1)) == ["Please look at the camera."]
    assert services.heartbeat(running, now=T0 + timedelta(minutes=2)) == []
    db.session.commit()
    db.session.refresh(running)
    assert running.last_seen_at == T0 + timedelta(minutes=2)
    assert _audit("sitting.message")[0].after == {"body": "Please look at the camera."}
    with pytest.raises(ValidationError):
        services.send_message(pool_proctor, running.id, "  ")


def test_extend_moves_the_deadline_and_the_clock(running, pool_proctor):
    assert running.deadline == T0 + timedelta(minutes=30)
    services.extend(pool_proctor, running.id, 10, now=T0 + timedelta(minutes=20))
    assert running.deadline == T0 + timedelta(minutes=40) and running.extra_minutes == 10
    assert taking.remaining_seconds(running, now=T0 + timedelta(minutes=20)) == 20 * 60
    entry, = _audit("sitting.extend")
    assert entry.before["deadline"] == (T0 + timedelta(minutes=30)).isoformat()
    assert entry.after["deadline"] == (T0 + timedelta(minutes=40)).isoformat() and entry.after["minutes"] == 10
    with pytest.raises(ValidationError):
        services.extend(pool_proctor, running.id, 0)
    # Past the deadline the sitting has expired: an extension is refused, resume instead.
    with pytest.raises(Conflict):
        services.extend(pool_proctor, running.id, 5, now=T0 + timedelta(minutes=41))


def test_extension_before_the_start_counts_at_the_start(admin, exam, pool_proctor):
    sitting = register(admin, exam)
    services.extend(pool_proctor, sitting.id, 15)
    taking.start_check(sitting, ip_address="", now=T0)
    taking.complete_check(sitting, browser={}, now=T0)
    taking.start_exam(sitting, now=T0)
    assert sitting.deadline == T0 + timedelta(minutes=45)


def test_terminate_with_a_reason(running, pool_proctor):
    services.terminate(pool_proctor, running.id, "Someone else answered.", now=T0 + timedelta(minutes=5))
    assert (running.status, running.finish_mode) == (S.EXAM_FINISHED, FinishMode.TERMINATED_BY_PROCTOR)
    assert running.finished_at == T0 + timedelta(minutes=5) and running.total_marks is not None
    entry, = _audit("sitting.terminate")
    assert entry.after["reason"] == "Someone else answered." and entry.before["status"] == "exam_started"
    with pytest.raises(IllegalTransition):
        services.terminate(pool_proctor, running.id, "again")


def test_flags_raise_and_resolve(running, pool_proctor):
    flag = services.raise_flag(pool_proctor, running.id, "phone", "Looks at a phone")
    with pytest.raises(ValidationError):
        services.raise_flag(pool_proctor, running.id, "nonsense", "")
    db.session.commit()
    rows = services.monitor(pool_proctor, running.exam_id, flagged=True)[1].items
    assert [(row.sitting_id, row.open_flags) for row in rows] == [(running.id, 1)]
    services.resolve_flag(pool_proctor, flag.id)
    db.session.commit()
    assert services.monitor(pool_proctor, running.exam_id, flagged=True)[1].items == []
    assert [entry.action for entry in db.session.scalars(select(AuditEntry).where(ON_SITTINGS).order_by(AuditEntry.id))] == [
        "sitting.flag", "sitting.flag_resolved"]


# Browsing tolerance -----------------------------------------------------------------------------------

def test_browsing_tolerance_counts_and_ends_the_test(running):
    assert running.exam.web_proctoring_count == 2
    assert taking.record_browsing_event(running, "tab_hidden", now=T0) == 1
    assert taking.record_browsing_event(running, "window_blur", now=T0) == 0
    assert running.status == S.EXAM_STARTED
    assert taking.record_browsing_event(running, "fullscreen_exit", now=T0) == 0
    assert (running.status, running.finish_mode) == (S.EXAM_FINISHED, FinishMode.BROWSING_TOLERANCE_EXCEEDED)
    with pytest.raises(ValidationError):
        taking.record_browsing_event(running, "copy_attempt", now=T0)


def test_without_web_proctoring_exits_are_only_recorded(admin, make_exam):
    sitting = started(admin, make_exam(web_proctoring_enabled=False))
    for _ in range(10):
        assert taking.record_browsing_event(sitting, "tab_hidden", now=T0) is None
    assert sitting.status == S.EXAM_STARTED and taking.browsing_count(sitting) == 10


# Resume -----------------------------------------------------------------------------------------------

def test_resume_an_expired_sitting_keeps_answers_and_calls_back(admin, make_exam, pool_proctor):
    exam = make_exam(test_resume_enabled_for_expired_test_url="https://example.com/resume")
    sitting = started(admin, exam)
    item_id = db.session.scalar(select(Response.item_id).where(Response.sitting_id == sitting.id).limit(1))
    taking.save_answer(sitting, item_id, answer={"text": "kept"}, version=1, now=T0)
    assert taking.expire_if_overdue(sitting, now=T0 + timedelta(minutes=31))
    later = T0 + timedelta(hours=2)
    services.resume(pool_proctor, sitting.id, 15, now=later)
    assert (sitting.status, sitting.finish_mode, sitting.finished_at) == (S.EXAM_STARTED, None, None)
    assert sitting.deadline == later + timedelta(minutes=15)
    assert taking.remaining_seconds(sitting, now=later) == 15 * 60
    assert db.session.scalar(select(Response.answer).where(Response.item_id == item_id)) == {"text": "kept"}
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.topic == "resumeEnabled")) == 1
    entry, = _audit("sitting.resume")
    assert entry.before["finish_mode"] == "Expired" and entry.after["status"] == "exam_started"
    taking.finish(sitting, now=later + timedelta(minutes=5))
    assert sitting.finish_mode == FinishMode.NORMAL_SUBMISSION


def test_resume_a_terminated_sitting_but_not_a_submitted_one(admin, exam, running, pool_proctor):
    services.terminate(pool_proctor, running.id, "test", now=T0)
    services.resume(pool_proctor, running.id, 5, now=T0 + timedelta(minutes=1))
    assert running.deadline == T0 + timedelta(minutes=6)
    taking.finish(running, now=T0 + timedelta(minutes=2))
    with pytest.raises(IllegalTransition):
        services.resume(pool_proctor, running.id, 5)


def test_the_resume_step_is_refused_to_plain_transitions(running):
    from webapp.sittings.state_machine import transition
    taking.finish(running, now=T0)
    with pytest.raises(IllegalTransition):
        transition(running, S.EXAM_STARTED)


# Review -----------------------------------------------------------------------------------------------

def test_a_violation_withholds_the_result_until_an_admin_overrides(admin, running, pool_proctor):
    with pytest.raises(Conflict):
        services.review(pool_proctor, running.id, "clear")
    taking.finish(running, now=T0)
    with pytest.raises(ValidationError):
        services.review(pool_proctor, running.id, "violation", "")   # a comment is required
    services.review(pool_proctor, running.id, "violation", "Phone on the desk.")
    assert services.result_withheld(running)
    with pytest.raises(PermissionDenied):
        services.override_review(pool_proctor, running.id, "appeal")
    review = services.override_review(admin, running.id, "Appeal accepted.")
    assert not services.result_withheld(running) and review.override_reason == "Appeal accepted."
    assert [entry.action for entry in db.session.scalars(select(AuditEntry).where(ON_SITTINGS).order_by(AuditEntry.id))] == [
        "result.review", "result.override"]


# The monitor ------------------------------------------------------------------------------------------

def test_the_monitor_rows(admin, exam, pool_proctor):
    running = started(admin, exam, "run@example.com")
    waiting = register(admin, exam, "wait@example.com")
    item_id = db.session.scalar(select(Response.item_id).where(Response.sitting_id == running.id).limit(1))
    taking.save_answer(running, item_id, answer={"text": "x"}, version=1, now=T0)
    taking.record_browsing_event(running, "tab_hidden", now=T0)
    taking.heartbeat(running, now=T0 + timedelta(minutes=5))
    db.session.commit()
    rows = services.monitor(pool_proctor, exam.id, now=T0 + timedelta(minutes=5, seconds=30))[1].items
    by_id = {row.sitting_id: row for row in rows}
    row = by_id[running.id]
    assert (row.answered, row.browsing, row.online, row.remaining) == (1, 1, True, 24 * 60 + 30)
    assert by_id[waiting.id].online is False and by_id[waiting.id].remaining is None
    rows = services.monitor(pool_proctor, exam.id, state="running", now=T0 + timedelta(minutes=10))[1].items
    assert [row.sitting_id for row in rows] == [running.id] and rows[0].online is False


def test_the_monitor_costs_a_constant_number_of_queries(admin, exam, pool_proctor, app):
    from webapp.candidates.models import Candidate
    from sqlalchemy import insert
    candidate_ids = db.session.scalars(insert(Candidate).returning(Candidate.id), [
        {"institute_id": admin.institute_id, "email": f"c{n}@example.com", "username": f"c{n}@example.com",
         "first_name": "C", "last_name": str(n)} for n in range(1000)]).all()
    db.session.execute(insert(Sitting), [
        {"institute_id": admin.institute_id, "exam_id": exam.id, "candidate_id": candidate_id,
         "access_token": f"token-{candidate_id}", "status": S.EXAM_STARTED, "deadline": T0 + timedelta(minutes=30),
         "started_at": T0} for candidate_id in candidate_ids])
    db.session.commit()
    user_id, exam_id = pool_proctor.id, exam.id
    db.session.expire_all()
    from webapp.accounts.models import User
    user = db.session.get(User, user_id)
    sent = []
    listener = lambda *args: sent.append(args[2])   # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _, sittings = services.monitor(user, exam_id, page=3, now=T0)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert (sittings.total, sittings.pages, len(sittings.items)) == (1000, 10, services.MONITOR_PAGE)
    in_order = db.session.scalars(select(Sitting.id).where(Sitting.exam_id == exam_id).order_by(Sitting.id)).all()
    assert [row.sitting_id for row in sittings.items] == in_order[200:300]
    # The exam, the pool check, the count, the page's sittings and four grouped queries, whatever the number.
    assert len(sent) <= 8, sent


# Snapshots, retention and deleting a report -----------------------------------------------------------

def test_snapshots_gallery_retention_and_report_deletion(admin, make_exam, pool_proctor, app):
    exam = make_exam(image_proctoring=True)
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="", now=T0)
    taking.complete_check(sitting, browser={}, consent=True, photos={"reference_photo": JPEG}, now=T0)
    taking.start_exam(sitting, now=T0)
    old = services.store_snapshot(sitting, JPEG, now=T0 - timedelta(days=40))
    new = services.store_snapshot(sitting, JPEG, now=T0)
    with pytest.raises(ValidationError):
        services.store_snapshot(sitting, b"not an image")
    db.session.commit()
    root = Path(app.instance_path) / "uploads"
    assert (root / old.storage_key).is_file()
    _, shots = services.sitting_snapshots(pool_proctor, sitting.id)
    assert [shot.id for shot in shots] == [old.id, new.id]
    assert services.snapshot_image(pool_proctor, new.id) == (JPEG, "image/jpeg")
    assert services.purge_old_images(now=T0) == 0          # no policy: kept
    services.set_retention(admin, 30)
    with pytest.raises(PermissionDenied):
        services.set_retention(pool_proctor, 30)
    assert services.purge_old_images(now=T0, batch=1) == 1
    assert services.purge_old_images(now=T0) == 0
    db.session.commit()
    assert db.session.scalars(select(Snapshot.id)).all() == [new.id]
    assert not (root / old.storage_key).exists() and (root / new.storage_key).is_file()
    # A running sitting's report cannot be deleted; a finished one goes with its images and answers.
    with pytest.raises(Conflict):
        services.delete_report(admin, sitting.id)
    taking.finish(sitting, now=T0)
    with pytest.raises(PermissionDenied):
        services.delete_report(pool_proctor, sitting.id)
    services.delete_report(admin, sitting.id)
    db.session.commit()
    assert db.session.get(Sitting, sitting.id) is None
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert db.session.scalar(select(func.count()).select_from(Snapshot)) == 0
    assert not (root / new.storage_key).exists()
    assert _audit("sitting.delete_report")[0].before["candidate"] == "ann@example.com"


def test_check_photos_fall_under_the_retention(admin, make_exam, pool_proctor, app):
    exam = make_exam(image_proctoring=True, candidate_auth_proctored=True)
    root = Path(app.instance_path) / "uploads"
    old, new = register(admin, exam, "old@example.com"), register(admin, exam, "new@example.com")
    for sitting, moment in ((old, T0 - timedelta(days=40)), (new, T0)):
        taking.start_check(sitting, ip_address="", now=moment)
        taking.complete_check(sitting, browser={}, consent=True, photos={"reference_photo": JPEG, "id_photo": JPEG},
                              now=moment)
    db.session.commit()
    old_files = [root / old.check[kind] for kind in ("reference_photo", "id_photo")]
    assert all(path.is_file() for path in old_files)
    assert services.purge_old_images(now=T0) == 0          # no policy: kept
    services.set_retention(admin, 30)
    assert services.purge_old_images(now=T0) == 2
    db.session.commit()
    db.session.expire_all()
    assert not any(path.exists() for path in old_files)
    assert (old.check["reference_photo"], old.check["id_photo"], old.check["consent"]) == (None, None, True)
    with pytest.raises(NotFound):
        services.check_photo(pool_proctor, old.id, "reference_photo")
    assert services.check_photo(pool_proctor, new.id, "id_photo") == (JPEG, "image/jpeg")
    assert services.purge_old_images(now=T0) == 0
