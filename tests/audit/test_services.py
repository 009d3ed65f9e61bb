"""The audit log's writer and readers: who reads what, the filters, the CSV, and an entry for every
audited action of every domain, named as people know the target and with what changed."""
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from tests.conftest import PASSWORD
from tests.proctoring.conftest import T0
from webapp.accounts import credentials as api
from webapp.accounts import services as accounts
from webapp.assessments.services import delete_assessment, update_settings
from webapp.audit import services
from webapp.audit.models import AuditEntry
from webapp.bank import services as bank
from webapp.bank.services import QuestionInput
from webapp.core import clock
from webapp.core.spreadsheets import BYTE_ORDER_MARK
from webapp.core.errors import PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.exams import services as exams
from webapp.proctoring import services as proctoring


def _entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_audit_log_filters_and_csv(running, pool_proctor, admin):
    proctoring.send_message(pool_proctor, running.id, "one")
    proctoring.extend(pool_proctor, running.id, 5, now=T0)
    db.session.commit()
    assert [entry.action for entry in services.audit_log(admin, action="sitting.extend").items] == ["sitting.extend"]
    # Exams, assessments and questions are audited too: a target is its type and id.
    assert services.audit_log(admin, target_type="sitting", target_id=running.id).total == 2
    assert services.audit_log(admin, target_type="sitting", target_id=running.id + 1).total == 0
    csv_text = services.audit_csv(admin, actor_id=pool_proctor.id).removeprefix(BYTE_ORDER_MARK)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("time,actor,action") and len(lines) == 3 and "Pat Pool" in csv_text


def test_the_csv_has_the_pages_columns_in_words(running, pool_proctor, admin):
    proctoring.extend(pool_proctor, running.id, 5, now=T0)
    db.session.commit()
    header, row = services.audit_csv(admin, target_type="sitting").removeprefix(BYTE_ORDER_MARK).strip().splitlines()
    assert header == "time,actor,action,target_type,target,changes"
    assert "Pat Pool,sitting.extend,sitting,Ann" in row and "Minutes: 5" in row and "Extra minutes: 0 -> 5" in row


def _forget_the_setup():
    """The fixtures' exams, assessments and questions are audited too; these tests count their own entries."""
    db.session.execute(delete(AuditEntry))
    db.session.commit()


def test_filters_by_actor_target_type_and_days(running, pool_proctor, admin):
    _forget_the_setup()
    proctoring.send_message(pool_proctor, running.id, "one")
    clock.move(timedelta(days=2))
    proctoring.set_retention(admin, 30)
    db.session.commit()
    assert [e.action for e in services.audit_log(admin, actor_id=str(pool_proctor.id)).items] == ["sitting.message"]
    assert [e.action for e in services.audit_log(admin, target_type="institute").items] == ["institute.retention"]
    day = T0.date()
    assert [e.action for e in services.audit_log(admin, since=str(day), until=str(day)).items] == ["sitting.message"]
    assert [e.action for e in services.audit_log(admin, since=str(day + timedelta(days=1))).items] == [
        "institute.retention"]
    choices = services.audit_filters(admin)
    assert choices["actions"] == ["institute.retention", "sitting.message"]
    assert choices["target_types"] == ["institute", "sitting"]
    assert [name for _, name in choices["actors"]] == [admin.name, "Pat Pool"]
    for bad in ({"since": "yesterday"}, {"actor_id": "x"}, {"target_id": "-1"}):
        with pytest.raises(ValidationError):
            services.audit_log(admin, **bad)


def test_admins_and_examiners_read_everything_proctors_their_own_support_nothing(factory, running, pool_proctor,
                                                                                admin, outsider):
    _forget_the_setup()
    proctoring.send_message(pool_proctor, running.id, "one")
    proctoring.set_retention(admin, 30)
    db.session.commit()
    examiner = factory.staff(admin.institute, Role.EXAMINER)
    assert services.audit_log(admin).total == services.audit_log(examiner).total == 2
    assert [e.action for e in services.audit_log(pool_proctor).items] == ["sitting.message"]
    assert services.audit_log(outsider).total == 0
    with pytest.raises(PermissionDenied):
        services.audit_log(factory.staff(admin.institute, Role.SUPPORT))
    _, other = factory.institute()
    assert services.audit_log(other).total == 0


def test_the_summary_reads_as_words():
    entry = AuditEntry(before={"role": "proctor", "active": True, "note": "x"}, after={"role": "examiner",
                       "active": True, "minutes": 5, "flags": ["a", "b"]})
    assert services.changes(entry) == ["Role: proctor -> examiner", "Note was: x", "Minutes: 5", "Flags: a, b"]
    assert services.changes(AuditEntry(before={}, after={"stem": "w" * 200}))[0].endswith("…")


# Every audited admin action ---------------------------------------------------------------------------

def test_staff_invited_changed_and_deactivated(admin):
    user = accounts.invite_staff(admin, email="rita@example.com", name="Rita Role", role="proctor")
    accounts.update_staff(admin, user.id, name="Rita Role", role="examiner", active=True)
    accounts.update_staff(admin, user.id, name="Rita Role", role="examiner", active=False)
    accounts.update_staff(admin, user.id, name="Rita Role", role="examiner", active=False)   # nothing changed
    db.session.commit()
    invite, = _entries("staff.invite")
    assert (invite.actor_id, invite.target_type, invite.target_id, invite.target_label) == (
        admin.id, "user", user.id, "Rita Role (rita@example.com)")
    assert invite.after == {"email": "rita@example.com", "role": "proctor"}
    update, = _entries("staff.update")
    assert services.changes(update) == ["Role: proctor -> examiner"]
    deactivate, = _entries("staff.deactivate")
    assert (deactivate.before, deactivate.after) == ({"active": True}, {"active": False})


def test_institute_settings_changed(admin):
    old = admin.institute.name
    accounts.update_institute(admin, name="Lingua School", blind_grading=True, contact_email="")
    db.session.commit()
    entry, = _entries("institute.update")
    assert entry.target_label == "Lingua School"
    assert entry.before == {"name": old, "blind_grading": False} and entry.after == {"name": "Lingua School",
                                                                                     "blind_grading": True}


def test_logins_succeeding_and_failing_without_the_password(admin):
    assert accounts.authenticate(admin.email, "wrong password") is None
    assert accounts.authenticate("nobody@example.com", "wrong password") is None   # no institute to log it in
    assert accounts.authenticate(admin.email, PASSWORD) == admin
    db.session.commit()
    failure, = _entries("login.failure")
    assert (failure.actor_id, failure.institute_id, failure.target_id) == (None, admin.institute_id, admin.id)
    success, = _entries("login.success")
    assert (success.actor_id, success.actor_name, success.target_id) == (admin.id, admin.name, admin.id)
    stored = str([(e.before, e.after, e.target_label) for e in db.session.scalars(select(AuditEntry))])
    assert "wrong password" not in stored and PASSWORD not in stored


def test_api_credentials_issued_and_revoked(admin):
    credential, issued = api.create_credential(admin, role="support", name="CRM")
    api.revoke_credential(admin, credential.id)
    api.revoke_credential(admin, credential.id)
    db.session.commit()
    issue, = _entries("api_credential.issue")
    assert issue.after == {"name": "CRM", "role": "support"}
    assert issue.target_label == f"CRM ({issued.access_key})"
    revoke, = _entries("api_credential.revoke")
    assert services.changes(revoke) == ["Revoked: no -> yes"]
    stored = str([(e.before, e.after, e.target_label) for e in db.session.scalars(select(AuditEntry))])
    assert issued.private_key not in stored and issued.euro_token not in stored


def test_the_command_line_is_named_as_the_actor_in_the_credentials_institute(admin):
    credential, issued = api.create_credential_by_command_line(admin.institute_id, role="admin", name="CRM")
    api.revoke_access_key(issued.access_key)
    api.revoke_access_key(issued.access_key)
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "api_credential")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.actor_name, e.institute_id, e.target_id) for e in entries] == [
        ("api_credential.issue", None, api.COMMAND_LINE, admin.institute_id, credential.id),
        ("api_credential.revoke", None, api.COMMAND_LINE, admin.institute_id, credential.id)]
    assert services.actor_name(entries[0]) == "Command line"


def test_skills_created_and_changed(admin):
    skill = bank.create_skill(admin, "Grammar", "Tenses")
    bank.update_skill(admin, skill.id, "Grammar", "Tenses")        # unchanged: nothing recorded
    bank.update_skill(admin, skill.id, "Grammar B1", "Tenses")
    db.session.commit()
    create, = _entries("skill.create")
    assert (create.target_id, create.target_label, create.after) == (skill.id, "Grammar",
                                                                     {"name": "Grammar", "description": "Tenses"})
    update, = _entries("skill.update")
    assert (update.target_label, update.before, update.after) == ("Grammar B1", {"name": "Grammar"},
                                                                  {"name": "Grammar B1"})


def test_a_password_set_or_changed_is_recorded_without_it(admin):
    user = accounts.invite_staff(admin, email="pat@example.com", name="Pat", role="proctor")
    accounts.set_password_with_token(accounts.set_password_url(user).rsplit("/", 1)[1], "pats-password-1",
                                     "pats-password-1")
    accounts.change_password(user, current="pats-password-1", new="pats-password-2", confirmation="pats-password-2")
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("password.%"))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.target_id, e.before, e.after) for e in entries] == [
        ("password.set", user.id, user.id, {}, {}), ("password.change", user.id, user.id, {}, {})]
    stored = str([(e.before, e.after, e.target_label) for e in db.session.scalars(select(AuditEntry))])
    assert "pats-password" not in stored and user.password_hash not in stored


def test_exams_created_edited_and_deleted(factory, admin):
    exam = factory.exam(admin, name="June session")
    data = exams.exam_input(exam)
    data.name = "July session"
    exams.update_exam(admin, exam.id, data)
    exams.update_exam(admin, exam.id, data)          # unchanged: nothing recorded
    exams.set_active(admin, exam.id, False)
    exams.delete_exam(admin, exam.id)
    db.session.commit()
    create, = _entries("exam.create")
    assert create.target_label == "June session" and create.after["name"] == "June session"
    name, status = _entries("exam.update")
    assert services.changes(name) == ["Name: June session -> July session"]
    assert services.changes(status) == ["Status: ACTIVE -> INACTIVE"]
    delete, = _entries("exam.delete")
    assert (delete.target_id, delete.target_label, delete.before["name"]) == (exam.id, "July session", "July session")


def test_questions_created_edited_retired_and_deleted(admin):
    skill = bank.create_skill(admin, "Grammar")
    data = QuestionInput(type="SHORT_ANSWER", skill_id=skill.id, difficulty="EASY",
                         stem="<p>Which <b>word</b> completes the sentence I ___ to school every day?</p>",
                         accepted_answers=["go"])
    question = bank.create_question(admin, data)
    data.marks = 2
    bank.update_question(admin, question.id, data)
    bank.retire_question(admin, question.id)
    bank.retire_question(admin, question.id)
    bank.delete_question(admin, question.id)
    db.session.commit()
    actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "question")
                                                    .order_by(AuditEntry.id))]
    assert actions == ["question.create", "question.update", "question.retire", "question.delete"]
    update, = _entries("question.update")
    assert update.target_label == "Which word completes the sentence I ___ to …"
    assert services.changes(update) == ["Marks: 1.0 -> 2.0"]
    assert _entries("question.retire")[0].after == {"status": "retired"}


def test_assessments_edited_and_deleted(factory, admin):
    assessment = factory.assessment(admin, name="Grammar A1")
    update_settings(admin, assessment.id, {"name": "Grammar A2", "duration": 45})
    update_settings(admin, assessment.id, {"name": "Grammar A2"})
    delete_assessment(admin, assessment.id)
    db.session.commit()
    update, = _entries("assessment.update")
    assert update.target_label == "Grammar A2"
    assert "Name: Grammar A1 -> Grammar A2" in services.changes(update)
    assert update.after["duration"] == 45
    delete, = _entries("assessment.delete")
    assert delete.target_label == "Grammar A2"
