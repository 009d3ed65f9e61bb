"""No console page or action reaches another institute's records: they are simply "not found".

The test walks every route of the app that takes a record id, fills in the ids of another
institute's records and checks for 404, for GET and POST alike, and that nothing changed there.
A new route with an id parameter not known here fails the test until it is added to RECORDS."""
import pytest
from sqlalchemy import select

from tests.conftest import log_in
from tests.images import image_bytes
from webapp.accounts.credentials import create_credential
from webapp.accounts.services import invite_staff
from webapp.assessments.models import Assessment, Section, SelectionRule
from webapp.assessments.services import AssessmentInput, RuleInput, SectionInput, create_assessment
from webapp.bank.import_runs import ImportRun
from webapp.bank.media import store_media
from webapp.bank.models import CefrLevel, Question
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core import storage
from webapp.core.extensions import db
from webapp.exams.services import ExamInput, create_exam
from webapp.lti.models import LtiResourceLink
from webapp.lti.platforms import PlatformInput, add_platform
from webapp.notifications.models import OutboxMessage
from webapp.results.models import Certificate
from webapp.sittings.models import AnswerFile, Response, Sitting, SittingItem
from webapp.sittings.services import register_candidates


def _snapshot(institute_id: int):
    db.session.expire_all()
    return (
        [(q.id, q.stem, q.status, q.marks) for q in db.session.scalars(
            select(Question).where(Question.institute_id == institute_id).order_by(Question.id))],
        [(a.id, a.name, a.duration_minutes, len(a.sections)) for a in db.session.scalars(
            select(Assessment).where(Assessment.institute_id == institute_id))],
        db.session.query(Section).count(), db.session.query(SelectionRule).count(),
        [(c.id, c.revoked_at) for c in db.session.scalars(
            select(Certificate).where(Certificate.institute_id == institute_id))],
        [(r.id, r.awarded, r.marked_at) for r in db.session.scalars(
            select(Response).join(Sitting).where(Sitting.institute_id == institute_id))],
    )


# Public by design (a candidate's link, an institute's logo, a learning platform's launch and its one-time
# sign-in link) or walked by the API's own tenancy test.
NOT_CONSOLE = {"static", "candidate", "branding", "mettl_v1", "euro_v1", "lti"}


@pytest.fixture
def other_institute(factory):
    return factory.institute("Rival Academy")[1]


def test_no_route_reaches_another_institutes_records(app, client, factory, other_institute):
    records = {**_build_records(other_institute), **_graded_records(factory, other_institute)}
    before = _snapshot(other_institute.institute_id)
    own_admin = factory.institute("Home School")[1]
    log_in(client, own_admin)

    checked = []
    for rule in app.url_map.iter_rules():
        params = set(rule.arguments)
        if not params or rule.endpoint.split(".")[0] in NOT_CONSOLE:
            continue
        unknown = params - set(records)
        assert not unknown, f"{rule.rule}: add a record for {unknown} to this test"
        url = rule.rule
        for name in params:
            url = url.replace(f"<int:{name}>", str(records[name])).replace(f"<{name}>", str(records[name]))
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={})
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            checked.append(f"{method} {rule.rule}")
    assert _snapshot(other_institute.institute_id) == before
    assert len(checked) >= 10, checked


def _build_records(admin) -> dict:
    skill = create_skill(admin, "Picked skill")
    picked = create_question(admin, QuestionInput(
        type="MCQ", skill_id=skill.id, difficulty="EASY", stem="<p>Picked secret</p>",
        options=[{"html": "yes", "correct": True}, {"html": "no"}]))
    drawn_skill = create_skill(admin, "Drawn skill")
    drawn = [create_question(admin, QuestionInput(
        type="MCQ", skill_id=drawn_skill.id, difficulty="EASY", stem=f"<p>Drawn secret {n}</p>",
        options=[{"html": "yes", "correct": True}, {"html": "no"}])) for n in range(2)]
    assessment = create_assessment(admin, AssessmentInput(name="Secret test", duration=10, sections=[
        SectionInput(name="Only", question_ids=[picked.id],
                     rules=[RuleInput(skill="Drawn skill", difficulty="EASY", question_count=1)]),
    ]))
    invited = invite_staff(admin, email="secret.staff@example.com", name="Secret Staff", role="examiner")
    credential, _secrets = create_credential(admin, role="admin", name="Secret integration")
    exam = create_exam(admin, ExamInput(name="Secret exam", assessment_id=assessment.id))
    [registered] = register_candidates(admin, exam.id, [{"Email Address": "secret.candidate@example.com",
                                                          "First Name": "Secret", "Last Name": "Candidate"}])
    # Proctoring (issue 5): a flag and a snapshot on the other institute's sitting.
    from webapp.proctoring.models import Flag, Snapshot
    flag = Flag(institute_id=admin.institute_id, sitting_id=registered.sitting_id, category="other")
    snapshot = Snapshot(institute_id=admin.institute_id, sitting_id=registered.sitting_id,
                        storage_key=f"{admin.institute_id}/{registered.sitting_id}/snapshot-{'a' * 24}.jpg")
    db.session.add_all([flag, snapshot])
    picture = store_media(admin.institute_id, "secret.png", image_bytes("PNG"))
    import_run = ImportRun(institute_id=admin.institute_id, file_name="secret.gift", format="gift")
    db.session.add(import_run)
    # A file a candidate sent as an answer (issue 16), on an item of the other institute's sitting.
    item = SittingItem(sitting_id=registered.sitting_id, position=0, section_index=0, question_id=picked.id,
                       question_type="FU", skill_name=skill.name, difficulty="EASY", stem="<p>Send it</p>",
                       marks=1.0, negative_marks=0.0)
    db.session.add(item)
    db.session.flush()
    answer_file = AnswerFile(institute_id=admin.institute_id, sitting_id=registered.sitting_id, item_id=item.id,
                             storage_key=storage.store_answer_file(admin.institute_id, registered.sitting_id, "txt",
                                                                   b"secret answer"),
                             name="secret.txt", size=13, mimetype="text/plain")
    db.session.add(answer_file)
    platform = add_platform(admin, PlatformInput(
        name="Secret Moodle", issuer="https://moodle.rival.example", client_id="secret-client",
        auth_login_url="https://moodle.rival.example/mod/lti/auth.php",
        jwks_url="https://moodle.rival.example/mod/lti/certs.php", deployment_ids=("1",)))
    # A course's link opening the secret exam, whose roster the platform offers.
    link = LtiResourceLink(institute_id=admin.institute_id, platform_id=platform.id, deployment_id="1",
                           resource_link_id="secret-link", exam_id=exam.id,
                           memberships_url="https://moodle.rival.example/mod/lti/services.php/memberships")
    db.session.add(link)
    db.session.commit()
    section = assessment.sections[0]
    return {
        "media_id": picture.id,
        "run_id": import_run.id,
        "file_id": answer_file.id,
        "filename": "secret.png",
        "flag_id": flag.id,
        "snapshot_id": snapshot.id,
        "kind": "reference_photo",
        "exam_id": exam.id,
        "sitting_id": registered.sitting_id,
        "candidate_id": db.session.get(Sitting, registered.sitting_id).candidate_id,
        "user_id": invited.id,
        "skill_id": skill.id,
        "question_id": drawn[0].id,
        "assessment_id": assessment.id,
        "section_id": section.id,
        "rule_id": section.rules[0].id,
        "message_id": db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.institute_id == admin.institute_id)),
        "credential_id": credential.id,
        "platform_id": platform.id,
        "link_id": link.id,
        "token": "not-a-valid-token",
        "slug": "no-such-test",
        # The public report and verification pages are reached by their unguessable key and code alone.
        "key": "not-a-valid-report-key",
        "name": "reference_photo-not-a-valid-name.jpg",   # a check photo's link, as the Mettl API hands it out
        "code": "NOT-A-CODE",
    }


def _graded_records(factory, admin) -> dict:
    """A finished sitting with an essay waiting for a grader, and a certificate on it."""
    skill = create_skill(admin, "Essay skill")
    essay = create_question(admin, QuestionInput(type="LONG_ANSWER", skill_id=skill.id, difficulty="EASY",
                                                 stem="<p>Secret essay</p>"))
    assessment = create_assessment(admin, AssessmentInput(name="Secret essay test", duration=10,
                                                          sections=[SectionInput(name="Only", question_ids=[essay.id])]))
    sitting = factory.finished_sitting(admin, factory.exam(admin, assessment=assessment),
                                       answer=lambda item: {"text": "A secret essay."})
    certificate = Certificate(institute_id=admin.institute_id, sitting_id=sitting.id, code="SECR-ETCE-RT00",
                              candidate_name="Secret Candidate", assessment_name=assessment.name, level=CefrLevel.B1)
    db.session.add(certificate)
    db.session.commit()
    return {"sitting_id": sitting.id, "certificate_id": certificate.id,
            "response_id": db.session.scalar(select(Response.id).join(SittingItem, SittingItem.id == Response.item_id)
                                             .where(SittingItem.sitting_id == sitting.id))}


def test_an_id_too_large_for_the_database_is_simply_not_found(admin_client):
    for path in ("/exams/99999999999999999999", "/bank/questions/99999999999999999999",
                 "/assessments/99999999999999999999", "/candidates/99999999999999999999"):
        assert admin_client.get(path).status_code == 404, path
