"""Proctora as the proctoring tool of a learning platform (1EdTech LTI Proctoring Services 1.0).

An LtiStartProctoring launch opens a proctoring session for the platform's attempt (resource link, user,
attempt number) with a sitting of the linked exam of its own: the candidate goes through that sitting's
check (consent, camera, reference and ID photo, as the exam's proctoring settings say) and admission,
then is sent back to the platform's start_assessment_url with a signed LtiStartAssessment; the sitting
then runs (its timer is the exam's) while the candidate answers on the platform. An LtiEndAssessment
launch closes the session and finishes the sitting.

A proctor's actions on the sitting (proctoring services, `events.proctor_acted`) go to the platform's
Assessment Control Service through the outbox, if the launch's acs claim offers them; the platform's
answer is kept on the session for the proctor's pages. Extra time is sent in seconds, the standard's unit
for `extra_time` (a proctor grants minutes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.core import secrets_box
from webapp.core.clock import utcnow
from webapp.core.errors import Conflict
from webapp.core.extensions import db
from webapp.exams.models import Exam
from webapp.lti import keys
from webapp.lti.launch import (Launch, LaunchRefused, Opened, candidate_for, open_launch, record_resource_link,
                               validate_launch)
from webapp.lti.models import LtiPlatform, LtiProctoringSession, ProctoringState
from webapp.lti.proctoring import (CONTROL_TYPE, END_ASSESSMENT, SCOPE_CONTROL, START_PROCTORING, AcsAction, AcsStatus,
                                   InvalidProctoringMessage, StartProctoring, acs_request, parse_end_assessment,
                                   parse_start_proctoring, start_assessment_message)
from webapp.notifications.services import queue_platform_call
from webapp.proctoring.services import proctored_sitting, sitting_label
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, Sitting, SittingStatus
from webapp.sittings.services import register_for_platform

S = SittingStatus
DELIVERY_HANDLER = "lti_assessment_control_answered"
TOPIC = "lti_assessment_control"
# The proctor's actions (events.proctor_acted) as the standard's.
ACS_ACTIONS = {"terminate": AcsAction.TERMINATE, "extend": AcsAction.UPDATE, "flag": AcsAction.FLAG,
               "resume": AcsAction.RESUME, "pause": AcsAction.PAUSE}
# How severe (0 to 1) the standard's incident is, for the platform to weigh.
SEVERITY = {AcsAction.TERMINATE: 1.0, AcsAction.FLAG: 0.5, AcsAction.PAUSE: 0.5, AcsAction.UPDATE: 0.0,
            AcsAction.RESUME: 0.0}
# Actions a proctor takes on the platform alone: Proctora's sitting has no pause.
PLATFORM_ONLY = (AcsAction.PAUSE, AcsAction.RESUME)


def accept_launch(form: dict, cookies: dict) -> Opened:
    """The launch's checks, then what it opens: the proctoring messages here, the others in `launch`."""
    launch = validate_launch(form, cookies)
    if launch.message_type == START_PROCTORING:
        return Opened(launch.state_cookie, sitting=start_proctoring(launch))
    if launch.message_type == END_ASSESSMENT:
        return Opened(launch.state_cookie, ended=end_assessment(launch))
    return open_launch(launch)


def _refused(launch: Launch, error: InvalidProctoringMessage) -> LaunchRefused:
    return LaunchRefused(error.message, reason="invalid_proctoring_message", platform=launch.platform)


def _parsed(parse, launch: Launch):
    try:
        return parse(launch.claims)
    except InvalidProctoringMessage as error:
        raise _refused(launch, error) from None


def _session(platform_id: int, resource_link_id: str, sub: str, attempt_number: int) -> LtiProctoringSession | None:
    return db.session.scalar(select(LtiProctoringSession).where(
        LtiProctoringSession.platform_id == platform_id, LtiProctoringSession.resource_link_id == resource_link_id,
        LtiProctoringSession.user_sub == sub, LtiProctoringSession.attempt_number == attempt_number))


def start_proctoring(launch: Launch) -> Sitting:
    """The sitting whose check the candidate passes for this attempt: new for a new attempt; the same when
    the platform launches the attempt again (the candidate came back), with the newest session data."""
    start: StartProctoring = _parsed(parse_start_proctoring, launch)
    if len(start.resource_link_id) > 255 or len(start.user_id) > 255 or len(start.start_assessment_url) > 1000 \
            or len(start.acs_url or "") > 1000:
        raise _refused(launch, InvalidProctoringMessage("A claim is longer than Proctora keeps"))
    link = record_resource_link(launch)
    exam = db.session.get(Exam, link.exam_id) if link.exam_id else None
    if exam is None:
        raise LaunchRefused(_("This proctored assessment of your course is linked to no exam of Proctora: ask your "
                              "instructor to link it to an exam."), reason="no_exam", status=404,
                            platform=launch.platform)
    session = _session(launch.platform.id, start.resource_link_id, start.user_id, start.attempt_number)
    if session is not None and session.state == ProctoringState.ENDED:
        raise LaunchRefused(_("This attempt has ended. Start a new attempt in your course."), reason="attempt_ended",
                            status=409, platform=launch.platform)
    if session is None:
        sitting = register_for_platform(exam, candidate_for(launch), new_attempt=True)
        session = LtiProctoringSession(institute_id=launch.platform.institute_id, platform_id=launch.platform.id,
                                       resource_link_id=start.resource_link_id, user_sub=start.user_id,
                                       attempt_number=start.attempt_number, sitting_id=sitting.id)
        db.session.add(session)
    session.deployment_id = start.deployment_id[:255]
    session.resource_link = start.resource_link
    session.start_assessment_url = start.start_assessment_url
    session.session_data = start.session_data
    session.acs_url = start.acs_url or ""
    session.acs_actions = [action for action in start.acs_actions if action in set(AcsAction)]
    db.session.flush()
    return db.session.get(Sitting, session.sitting_id)


def session_of(sitting_id: int) -> LtiProctoringSession | None:
    """The platform's attempt this sitting proctors, if any (the proctor's pages show it)."""
    return db.session.scalar(select(LtiProctoringSession).where(LtiProctoringSession.sitting_id == sitting_id))


def platform_answers(sitting_ids: list[int]) -> dict[int, LtiProctoringSession]:
    """The attempts of these sittings (the live monitor's page) that a platform has answered, by sitting:
    one query for the whole page, which is polled every few seconds."""
    if not sitting_ids:
        return {}
    return {session.sitting_id: session for session in db.session.scalars(select(LtiProctoringSession).where(
        LtiProctoringSession.sitting_id.in_(sitting_ids), LtiProctoringSession.platform_status != ""))}


def handover(sitting: Sitting) -> LtiProctoringSession | None:
    """The attempt whose candidate is due to go (back) to the platform's assessment: the check is passed,
    the session open (or running), and the platform has not ended the attempt."""
    if sitting.status not in (S.EXAM_SESSION_OPENED, S.EXAM_STARTED):
        return None
    session = session_of(sitting.id)
    return session if session is not None and session.state != ProctoringState.ENDED else None


def candidate_step(sitting: Sitting) -> str | None:
    """Where the personal link of a platform's proctored attempt leads once the check is passed: "to_platform"
    (the hand-over to the platform's assessment) or "ended" (the attempt is over, on either side); None for
    every other sitting and step, whose own pages follow."""
    if sitting.registered_by != "lti":
        return None   # not a platform's: no query on the exam page's every load
    if handover(sitting) is not None:
        return "to_platform"
    if sitting.status == S.EXAM_FINISHED and session_of(sitting.id) is not None:
        return "ended"
    return None


@dataclass
class StartAssessment:
    url: str     # the platform's start_assessment_url
    jwt: str     # the signed LtiStartAssessment, posted as the form field JWT


def start_assessment(token: str, ip_address: str) -> StartAssessment:
    """The candidate goes to the platform's assessment: the sitting starts (the proctor sees it running) and
    the LtiStartAssessment echoes the launch's session data, attempt and resource link. As the test's Start:
    only while the exam lets the candidate in (its window, its allowed IP addresses)."""
    sitting = taking.sitting_to_start(token)
    session = handover(sitting)
    if session is None or taking.access_problem(sitting, ip_address):
        raise LaunchRefused(_("Your assessment cannot start from here now. Open the link in your course again."),
                            reason="not_ready", status=409)
    if sitting.status == S.EXAM_SESSION_OPENED:
        taking.start_exam(sitting)
    if session.state == ProctoringState.CHECKING:
        session.state = ProctoringState.ASSESSMENT_STARTED
        session.assessment_started_at = utcnow()
        taking.record_event(sitting, "lti_assessment_started", attempt=session.attempt_number)
    platform = db.session.get(LtiPlatform, session.platform_id)
    key = keys.signing_key()
    start = StartProctoring(
        user_id=session.user_sub, deployment_id=session.deployment_id, resource_link=session.resource_link,
        attempt_number=session.attempt_number, start_assessment_url=session.start_assessment_url,
        session_data=session.session_data, proctoring_settings={}, context_id=None,
        acs_url=session.acs_url or None, acs_actions=tuple(session.acs_actions))
    return StartAssessment(session.start_assessment_url, start_assessment_message(
        start, client_id=platform.client_id, platform_issuer=platform.issuer,
        private_key_pem=secrets_box.decrypt(key.private_key_encrypted), kid=key.kid,
        # Proctora asks for the LtiEndAssessment at the attempt's end: it closes the session.
        end_assessment_return=True))


def end_assessment(launch: Launch) -> LtiProctoringSession:
    """The platform's LtiEndAssessment: the session closes and its sitting finishes (a second one changes
    nothing)."""
    end = _parsed(parse_end_assessment, launch)
    session = _session(launch.platform.id, end.resource_link_id, end.user_id, end.attempt_number)
    if session is None:
        raise LaunchRefused(_("Proctora proctors no such attempt of this assessment."), reason="unknown_attempt",
                            status=404, platform=launch.platform)
    if session.state != ProctoringState.ENDED:
        session.state = ProctoringState.ENDED
        session.ended_at = utcnow()
        session.end_error = (end.error_message or "")[:2000]
        sitting = db.session.get(Sitting, session.sitting_id)
        taking.record_event(sitting, "lti_assessment_ended", error=session.end_error)
        if sitting.status == S.EXAM_STARTED:
            taking.finish(sitting, FinishMode.NORMAL_SUBMISSION, now=session.ended_at)
    db.session.flush()
    return session


# Assessment Control Service ----------------------------------------------------------------------------

def offered(session: LtiProctoringSession) -> list[AcsAction]:
    """The standard's actions this attempt's platform takes from Proctora (its launch's acs claim)."""
    return [AcsAction(action) for action in session.acs_actions] if session.acs_url else []


def platform_controls(session: LtiProctoringSession) -> list[AcsAction]:
    """The actions a proctor takes on the platform alone (pause, resume) for a running attempt that offers them."""
    if session.state != ProctoringState.ASSESSMENT_STARTED:
        return []
    return [action for action in offered(session) if action in PLATFORM_ONLY]


def _queue(session: LtiProctoringSession, action: AcsAction, *, at: datetime, extra_time: int | None = None,
           reason_code: str | None = None, reason_msg: str | None = None) -> None:
    platform = db.session.get(LtiPlatform, session.platform_id)
    sitting = db.session.get(Sitting, session.sitting_id)
    queue_platform_call(
        platform_id=platform.id, url=session.acs_url, content_type=CONTROL_TYPE, scopes=[SCOPE_CONTROL],
        topic=TOPIC, institute_id=session.institute_id, exam_id=sitting.exam_id,
        body=acs_request(action, platform_issuer=platform.issuer, user_id=session.user_sub,
                         resource_link_id=session.resource_link_id, attempt_number=session.attempt_number,
                         incident_time=at, incident_severity=SEVERITY[action], extra_time=extra_time,
                         reason_code=reason_code, reason_msg=reason_msg),
        on_delivered={"handler": DELIVERY_HANDLER, "session_id": session.id, "action": action.value})
    taking.record_event(sitting, "lti_control_sent", action=action.value)


def tell_platform(sitting: Sitting, *, action: str, actor: User, at: datetime, minutes: int | None = None,
                  reason: str = "", category: str = "", note: str = "") -> None:
    """Subscribed to `events.proctor_acted`: the proctor's action goes to the platform of the attempt the
    sitting proctors, when the platform takes it. A proctor grants minutes; `extra_time` is in seconds."""
    session = session_of(sitting.id)
    if session is None or session.state != ProctoringState.ASSESSMENT_STARTED:
        return
    control = ACS_ACTIONS[action]
    if control not in offered(session):
        return
    _queue(session, control, at=at, extra_time=minutes * 60 if control is AcsAction.UPDATE else None,
           reason_code=category or action, reason_msg=(reason or note or None))


def control_on_platform(actor: User, sitting_id, action: str) -> LtiProctoringSession:
    """A proctor pauses or resumes the attempt on the platform (Proctora's sitting has no pause)."""
    sitting = proctored_sitting(actor, sitting_id)
    session = session_of(sitting.id)
    control = next((candidate for candidate in PLATFORM_ONLY if candidate.value == action), None)
    if session is None or control is None or control not in platform_controls(session):
        raise Conflict(_("The learning platform does not take this action for this attempt now."))
    _queue(session, control, at=utcnow(), reason_code=control.value)
    audit(actor, f"sitting.platform_{control.value}", "sitting", sitting.id, label=sitting_label(sitting))
    return session


def record_answer(message, *, session_id: int, action: str, answer=None) -> None:
    """The outbox's delivery handler: the platform's answer to an ACS request, for the proctor to see."""
    session = db.session.get(LtiProctoringSession, session_id)
    if session is None or not isinstance(answer, dict):
        return
    try:
        status = AcsStatus(answer.get("status"))
    except ValueError:
        return
    extra_time = answer.get("extra_time")
    session.platform_status = status.value
    session.platform_extra_time = extra_time if isinstance(extra_time, int) and not isinstance(extra_time, bool) \
        else None
    session.platform_answered_at = utcnow()
