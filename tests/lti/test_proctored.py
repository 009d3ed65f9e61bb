"""Proctora as the proctoring tool (webapp/lti/proctored.py) against the test platform over real HTTP: the
LtiStartProctoring launch through the tool's login and launch, the check, the signed LtiStartAssessment the
platform verifies, LtiEndAssessment, and the proctor's actions sent to the platform's Assessment Control
Service by the worker with the platform's answers kept; and the negative cases."""
from __future__ import annotations

import io
import urllib.request
from urllib.parse import urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.candidate.helpers import JPEG
from tests.conftest import log_in
from tests.lti import platform as lms
from tests.lti.platform import PlatformUser, Tampering
from webapp.core.extensions import db
from webapp.exams.models import ExamStatus
from webapp.lti.models import LtiProctoringSession, ProctoringState
from webapp.notifications.models import OutboxMessage
from webapp.notifications.worker import deliver_due
from webapp.proctoring import services as proctoring
from webapp.sittings.models import FinishMode, ProctorEvent, Sitting, SittingStatus

ANN = PlatformUser(sub="user-ann")


@pytest.fixture
def exam(factory, admin):
    exam = factory.exam(admin, name="Proctored final", image_proctoring=True)
    db.session.commit()
    return exam


def _form(html: str) -> tuple[str, dict]:
    form = BeautifulSoup(html, "html.parser").find("form")
    return form["action"], {field["name"]: field.get("value", "") for field in form.find_all("input")
                            if field.get("name")}


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.read().decode()


def run_launch(client, launch):
    """What a browser does: the platform's launch page posts to the tool's login, which sends it to the
    platform's authorization endpoint, whose page posts the id_token to the tool's launch."""
    action, fields = _form(_get(launch.start_url))
    response = client.post(urlsplit(action).path, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    action, fields = _form(_get(response.headers["Location"]))
    return client.post(urlsplit(action).path, data=fields)


def _post_back(platform, response) -> str:
    """The tool's self-posting form, sent on to the platform as the browser would."""
    action, fields = _form(response.get_data(as_text=True))
    request = urllib.request.Request(action, data=urlencode(fields).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.read().decode()


def _pass_check(client, sitting):
    client.get(f"/s/{sitting.access_token}")
    response = client.post(f"/s/{sitting.access_token}/check", content_type="multipart/form-data", data={
        "browser": "{}", "consent": "y", "reference_photo": (io.BytesIO(JPEG), "me.jpg", "image/jpeg")})
    assert response.status_code == 302, response.get_data(as_text=True)


def _started(client, platform, exam, attempt_number=1, **launch_options):
    """Launch, check, and the hand-over to the platform's assessment."""
    launch = platform.launch(ANN, message_type=lms.START_PROCTORING, attempt_number=attempt_number,
                             custom={"exam": exam.access_key}, **launch_options)
    response = run_launch(client, launch)
    assert response.status_code == 302, response.get_data(as_text=True)
    token = response.headers["Location"].rsplit("/", 1)[-1]
    sitting = db.session.scalar(db.select(Sitting).where(Sitting.access_token == token))
    _pass_check(client, sitting)
    page = BeautifulSoup(client.get(f"/s/{token}").get_data(as_text=True), "html.parser")
    assert page.select_one("[data-lti-handover]") is not None
    response = client.post(page.select_one("[data-lti-handover] form")["action"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Assessment started" in _post_back(platform, response)
    return launch, sitting


def test_a_start_proctoring_launch_goes_through_the_check_back_to_the_platform(client, platform, registered, exam):
    launch, sitting = _started(client, platform, exam, attempt_number=2)

    [started] = platform.started_assessments
    assert started.launch is launch and platform.refusals == []
    assert started.claims[lms.AP + "session_data"] == launch.session_data
    assert started.claims[lms.AP + "attempt_number"] == 2
    assert started.claims[lms.LTI + "resource_link"]["id"] == "resource-link-1"
    assert started.claims[lms.AP + "end_assessment_return"] is True    # the platform is to send LtiEndAssessment
    assert platform.attempt(launch).status == "running"
    db.session.expire_all()
    session = db.session.scalar(db.select(LtiProctoringSession))
    assert session.state == ProctoringState.ASSESSMENT_STARTED and session.attempt_number == 2
    assert session.sitting_id == sitting.id and sitting.status == SittingStatus.EXAM_STARTED
    assert sitting.candidate.email == "ann@example.edu"
    kinds = db.session.scalars(db.select(ProctorEvent.kind).where(ProctorEvent.sitting_id == sitting.id)).all()
    assert {"check_completed", "lti_assessment_started"} <= set(kinds)


def test_each_attempt_has_its_own_sitting_and_a_relaunch_keeps_it(client, platform, registered, exam):
    first = platform.launch(ANN, message_type=lms.START_PROCTORING, custom={"exam": exam.access_key})
    again = platform.launch(ANN, message_type=lms.START_PROCTORING, custom={"exam": exam.access_key})
    second = platform.launch(ANN, message_type=lms.START_PROCTORING, attempt_number=2,
                             custom={"exam": exam.access_key})
    links = [run_launch(client, launch).headers["Location"] for launch in (first, again, second)]
    assert links[0] == links[1] != links[2]
    sessions = db.session.scalars(db.select(LtiProctoringSession).order_by(LtiProctoringSession.id)).all()
    assert [session.attempt_number for session in sessions] == [1, 2]
    assert sessions[0].session_data == again.session_data    # the newest launch's, for LtiStartAssessment


def test_end_assessment_closes_the_session_and_finishes_the_sitting(client, platform, registered, exam):
    launch, sitting = _started(client, platform, exam)
    response = run_launch(client, platform.launch(ANN, message_type=lms.END_ASSESSMENT))
    assert response.status_code == 200
    assert BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("[data-lti-ended]")
    db.session.expire_all()
    session = db.session.scalar(db.select(LtiProctoringSession))
    assert session.state == ProctoringState.ENDED and session.ended_at is not None
    assert sitting.status == SittingStatus.EXAM_FINISHED and sitting.finish_mode == FinishMode.NORMAL_SUBMISSION
    kinds = db.session.scalars(db.select(ProctorEvent.kind).where(ProctorEvent.sitting_id == sitting.id)).all()
    assert "lti_assessment_ended" in kinds
    # The personal link, opened again, says the attempt is over (no result or retake of Proctora's).
    page = BeautifulSoup(client.get(f"/s/{sitting.access_token}").get_data(as_text=True), "html.parser")
    assert page.select_one("[data-lti-ended]") is not None
    # The ended attempt is not started again.
    response = run_launch(client, platform.launch(ANN, message_type=lms.START_PROCTORING,
                                                  custom={"exam": exam.access_key}))
    assert response.status_code == 409 and 'data-lti-refused="attempt_ended"' in response.get_data(as_text=True)


def test_the_proctors_terminate_reaches_the_platform_and_its_answer_is_kept(client, admin, platform, registered,
                                                                              exam):
    launch, sitting = _started(client, platform, exam)
    proctoring.terminate(admin, sitting.id, "Second person in the room")
    db.session.commit()
    assert deliver_due()["sent"] == 1
    [received] = platform.acs_requests
    assert received.body["action"] == "terminate" and received.body["reason_msg"] == "Second person in the room"
    assert received.body["user"]["sub"] == ANN.sub and received.body["incident_severity"] == 1.0
    assert platform.attempt(launch).status == "terminated"
    db.session.expire_all()
    session = db.session.scalar(db.select(LtiProctoringSession))
    assert session.platform_status == "terminated" and session.platform_answered_at is not None


def test_extra_time_goes_in_seconds_and_a_flag_with_its_category(client, admin, platform, registered, exam):
    launch, sitting = _started(client, platform, exam)
    proctoring.extend(admin, sitting.id, 10)
    proctoring.raise_flag(admin, sitting.id, "other", "Looked away often")
    db.session.commit()
    assert deliver_due()["sent"] == 2
    update, flag = (received.body for received in platform.acs_requests)
    assert update["action"] == "update" and update["extra_time"] == 600
    assert flag["action"] == "flag" and flag["reason_code"] == "other" and flag["reason_msg"] == "Looked away often"
    assert 0 < flag["incident_severity"] < 1 and platform.attempt(launch).flags == [flag]
    db.session.expire_all()
    session = db.session.scalar(db.select(LtiProctoringSession))
    assert session.platform_status == "running" and session.platform_extra_time == 600


def test_only_the_actions_the_platform_offers_are_sent(client, admin, platform, registered, exam):
    _launch, sitting = _started(client, platform, exam, acs_actions=("flag",))
    proctoring.terminate(admin, sitting.id, "Left the room")
    db.session.commit()
    assert db.session.scalars(db.select(OutboxMessage)).all() == []


def test_pause_and_resume_on_the_platform(client, admin, platform, registered, exam):
    launch, sitting = _started(client, platform, exam)
    from_proctor = client.application.test_client()
    log_in(from_proctor, admin)
    page = BeautifulSoup(from_proctor.get(f"/proctoring/sittings/{sitting.id}").get_data(as_text=True),
                         "html.parser")
    assert page.select_one("[data-platform-attempt]") is not None
    response = from_proctor.post(page.select_one("[data-action=platform-pause]")["action"], data={
        "action": "pause", "csrf_token": page.select_one("[data-action=platform-pause] [name=csrf_token]")["value"]})
    assert response.status_code == 302
    assert deliver_due()["sent"] == 1
    assert platform.attempt(launch).status == "paused"
    page = BeautifulSoup(from_proctor.get(f"/proctoring/sittings/{sitting.id}").get_data(as_text=True),
                         "html.parser")
    assert page.select_one("[data-platform-answer]").get_text(strip=True) == "platform: paused"


# Negative cases ---------------------------------------------------------------------------------------

def test_an_end_assessment_for_an_unknown_attempt_is_refused(client, platform, registered, exam):
    response = run_launch(client, platform.launch(ANN, message_type=lms.END_ASSESSMENT, attempt_number=7))
    assert response.status_code == 404 and 'data-lti-refused="unknown_attempt"' in response.get_data(as_text=True)


def test_a_start_proctoring_launch_with_a_bad_signature_is_refused(client, platform, registered, exam):
    response = run_launch(client, platform.launch(ANN, message_type=lms.START_PROCTORING,
                                                  custom={"exam": exam.access_key},
                                                  tampering=Tampering(wrong_key=True)))
    assert response.status_code == 403 and 'data-lti-refused="bad_signature"' in response.get_data(as_text=True)
    assert db.session.scalars(db.select(LtiProctoringSession)).all() == []


def test_a_start_proctoring_launch_without_its_claims_is_refused(client, platform, registered, exam):
    launch = platform.launch(ANN, message_type=lms.START_PROCTORING, custom={"exam": exam.access_key})
    launch.session_data = None     # the platform forgets the session data
    response = run_launch(client, launch)
    assert response.status_code == 400
    assert 'data-lti-refused="invalid_proctoring_message"' in response.get_data(as_text=True)


def test_the_hand_over_is_refused_before_the_check(client, platform, registered, exam):
    launch = platform.launch(ANN, message_type=lms.START_PROCTORING, custom={"exam": exam.access_key})
    token = run_launch(client, launch).headers["Location"].rsplit("/", 1)[-1]
    response = client.post(f"/lti/proctoring/{token}/start")
    assert response.status_code == 409 and 'data-lti-refused="not_ready"' in response.get_data(as_text=True)
    assert platform.started_assessments == []


def test_a_launch_of_the_tools_own_message_type_is_refused(client, platform, registered, exam):
    # LtiStartAssessment goes from the tool to the platform, never the other way.
    response = run_launch(client, platform.launch(ANN, message_type="LtiStartAssessment",
                                                  custom={"exam": exam.access_key}))
    assert response.status_code == 400 and 'data-lti-refused="unsupported_message"' in response.get_data(as_text=True)


def test_the_hand_over_is_refused_once_the_exam_is_deactivated(client, platform, registered, exam):
    launch = platform.launch(ANN, message_type=lms.START_PROCTORING, custom={"exam": exam.access_key})
    token = run_launch(client, launch).headers["Location"].rsplit("/", 1)[-1]
    sitting = db.session.scalar(db.select(Sitting).where(Sitting.access_token == token))
    _pass_check(client, sitting)
    client.get(f"/s/{token}")
    exam.status = ExamStatus.INACTIVE
    db.session.commit()
    response = client.post(f"/lti/proctoring/{token}/start")
    assert response.status_code == 409 and platform.started_assessments == []


def test_a_start_proctoring_launch_with_an_overlong_resource_link_is_refused(client, platform, registered, exam):
    response = run_launch(client, platform.launch(ANN, message_type=lms.START_PROCTORING, resource_link_id="r" * 300,
                                                  custom={"exam": exam.access_key}))
    assert response.status_code == 400
    assert 'data-lti-refused="invalid_proctoring_message"' in response.get_data(as_text=True)
    assert db.session.scalars(db.select(LtiProctoringSession)).all() == []
