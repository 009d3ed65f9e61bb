"""1EdTech LTI Proctoring Services 1.0 as the proctoring tool speaks it: the platform's LtiStartProctoring
and LtiEndAssessment launches read from their (already verified) claims, the LtiStartAssessment message
the tool signs and sends back, and the Assessment Control Service requests for a proctor's actions.

Pure protocol: no database and no Flask request. The launch's signature, iss, aud, nonce and deployment
are checked by the launch itself before these claims get here."""
from __future__ import annotations

import enum
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt
from flask_babel import gettext as _, lazy_gettext as _l

from webapp.core.clock import utcnow
from webapp.core.errors import ValidationError
from webapp.core.labels import Labelled, labels
from webapp.lti.advantage import TIMEOUT, AccessToken, LtiServiceRefused, json_object, call_service

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AP = "https://purl.imsglobal.org/spec/lti-ap/claim/"
CLAIM_MESSAGE_TYPE = LTI + "message_type"
CLAIM_VERSION = LTI + "version"
CLAIM_DEPLOYMENT_ID = LTI + "deployment_id"
CLAIM_RESOURCE_LINK = LTI + "resource_link"
CLAIM_CONTEXT = LTI + "context"
CLAIM_ATTEMPT_NUMBER = AP + "attempt_number"
CLAIM_START_ASSESSMENT_URL = AP + "start_assessment_url"
CLAIM_SESSION_DATA = AP + "session_data"
CLAIM_PROCTORING_SETTINGS = AP + "proctoring_settings"
CLAIM_VERIFIED_USER = AP + "verified_user"
CLAIM_END_ASSESSMENT_RETURN = AP + "end_assessment_return"
CLAIM_ACS = AP + "acs"
CLAIM_ERROR_MESSAGE = AP + "errormsg"
CLAIM_ERROR_LOG = AP + "errorlog"

START_PROCTORING = "LtiStartProctoring"
START_ASSESSMENT = "LtiStartAssessment"
END_ASSESSMENT = "LtiEndAssessment"
LTI_VERSION = "1.3.0"

SCOPE_CONTROL = "https://purl.imsglobal.org/spec/lti-ap/scope/control.all"
CONTROL_TYPE = "application/vnd.ims.lti-ap.v1.control+json"
# The standard lets a tool's message live only briefly: the browser carries it straight back.
START_ASSESSMENT_LIFETIME = timedelta(minutes=5)
# What a verified_user claim may carry (the OpenID Connect standard claims the tool checked itself); the
# platform's opaque iss and sub are not the tool's to vouch for.
VERIFIED_USER_FIELDS = ("name", "given_name", "family_name", "middle_name", "email", "picture", "locale")


class InvalidProctoringMessage(ValidationError):
    """A proctoring message lacks a claim the standard requires, or carries one of the wrong shape. The
    person sees one sentence; `detail` and `claim` say what was wrong, for the audit log."""

    def __init__(self, detail: str, claim: str | None = None):
        super().__init__(_("The learning platform sent a proctoring message that Proctora cannot accept. "
                           "Please tell the course's administrator."), field=claim)
        self.detail = detail
        self.claim = claim


class AcsAction(Labelled, enum.StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    TERMINATE = "terminate"
    UPDATE = "update"
    FLAG = "flag"


labels(AcsAction, {
    AcsAction.PAUSE: _l("Pause the assessment"),
    AcsAction.RESUME: _l("Resume the assessment"),
    AcsAction.TERMINATE: _l("End the assessment"),
    AcsAction.UPDATE: _l("Give extra time"),
    AcsAction.FLAG: _l("Flag an incident"),
})


class AcsStatus(Labelled, enum.StrEnum):
    """The assessment's state as the platform answers an ACS request (shown to the proctor)."""

    NONE = "none"
    RUNNING = "running"
    PAUSED = "paused"
    TERMINATED = "terminated"
    COMPLETE = "complete"


labels(AcsStatus, {
    AcsStatus.NONE: _l("Not started on the learning platform"),
    AcsStatus.RUNNING: _l("Running on the learning platform"),
    AcsStatus.PAUSED: _l("Paused on the learning platform"),
    AcsStatus.TERMINATED: _l("Ended on the learning platform"),
    AcsStatus.COMPLETE: _l("Completed on the learning platform"),
})


@dataclass(frozen=True)
class StartProctoring:
    """What an LtiStartProctoring launch asks of the tool, and what the tool echoes back."""

    user_id: str
    deployment_id: str
    resource_link: dict            # echoed whole in LtiStartAssessment
    attempt_number: int
    start_assessment_url: str
    session_data: str
    proctoring_settings: dict
    context_id: str | None
    acs_url: str | None            # the Assessment Control Service, when the platform offers one
    acs_actions: tuple[str, ...]

    @property
    def resource_link_id(self) -> str:
        return self.resource_link["id"]

    def offers(self, action: AcsAction) -> bool:
        return self.acs_url is not None and action.value in self.acs_actions


@dataclass(frozen=True)
class EndAssessment:
    user_id: str
    deployment_id: str
    resource_link_id: str
    attempt_number: int
    error_message: str | None
    error_log: str | None


@dataclass(frozen=True)
class AcsResult:
    status: AcsStatus
    extra_time: int | None         # seconds the platform has added in all, where it says


def parse_start_proctoring(claims: dict) -> StartProctoring:
    _expect_message(claims, START_PROCTORING)
    acs = claims.get(CLAIM_ACS)
    acs_url, acs_actions = None, ()
    if acs is not None:
        if not isinstance(acs, dict) or not _is_url(acs.get("assessment_control_url")):
            raise InvalidProctoringMessage("The acs claim has no assessment_control_url", CLAIM_ACS)
        actions = acs.get("actions", [])
        if not isinstance(actions, list) or not all(isinstance(action, str) for action in actions):
            raise InvalidProctoringMessage("The acs claim's actions are not a list of names", CLAIM_ACS)
        acs_url, acs_actions = acs["assessment_control_url"], tuple(actions)
    settings = claims.get(CLAIM_PROCTORING_SETTINGS, {})
    if not isinstance(settings, dict):
        raise InvalidProctoringMessage("The proctoring_settings claim is not an object", CLAIM_PROCTORING_SETTINGS)
    start_url = claims.get(CLAIM_START_ASSESSMENT_URL)
    if not _is_url(start_url):
        raise InvalidProctoringMessage("The start_assessment_url claim is not an http(s) URL",
                                       CLAIM_START_ASSESSMENT_URL)
    session_data = claims.get(CLAIM_SESSION_DATA)
    if not isinstance(session_data, str) or not session_data:
        raise InvalidProctoringMessage("The session_data claim is missing", CLAIM_SESSION_DATA)
    context = claims.get(CLAIM_CONTEXT)
    return StartProctoring(
        user_id=_user_id(claims), deployment_id=_text(claims, CLAIM_DEPLOYMENT_ID),
        resource_link=_resource_link(claims), attempt_number=_attempt_number(claims),
        start_assessment_url=start_url, session_data=session_data, proctoring_settings=settings,
        context_id=context.get("id") if isinstance(context, dict) else None,
        acs_url=acs_url, acs_actions=acs_actions,
    )


def parse_end_assessment(claims: dict) -> EndAssessment:
    _expect_message(claims, END_ASSESSMENT)
    error_message, error_log = claims.get(CLAIM_ERROR_MESSAGE), claims.get(CLAIM_ERROR_LOG)
    return EndAssessment(
        user_id=_user_id(claims), deployment_id=_text(claims, CLAIM_DEPLOYMENT_ID),
        resource_link_id=_resource_link(claims)["id"], attempt_number=_attempt_number(claims),
        error_message=error_message if isinstance(error_message, str) else None,
        error_log=error_log if isinstance(error_log, str) else None,
    )


def start_assessment_message(start: StartProctoring, *, client_id: str, platform_issuer: str,
                             private_key_pem: str, kid: str, verified_user: dict | None = None,
                             end_assessment_return: bool = False, now: datetime | None = None) -> str:
    """The signed LtiStartAssessment JWT the browser POSTs (form field `JWT`) to start_assessment_url once
    the candidate passed the tool's checks: it echoes the session data, attempt and resource link of the
    LtiStartProctoring launch, issued by the tool's client id for the platform."""
    unknown = set(verified_user or {}) - set(VERIFIED_USER_FIELDS)
    if unknown:
        raise ValueError(f"verified_user may not carry {', '.join(sorted(unknown))}")
    issued = now or utcnow()
    claims = {
        "iss": client_id, "aud": platform_issuer,
        "iat": int(issued.timestamp()), "exp": int((issued + START_ASSESSMENT_LIFETIME).timestamp()),
        "nonce": uuid.uuid4().hex,
        CLAIM_MESSAGE_TYPE: START_ASSESSMENT, CLAIM_VERSION: LTI_VERSION,
        CLAIM_DEPLOYMENT_ID: start.deployment_id,
        CLAIM_RESOURCE_LINK: start.resource_link,
        CLAIM_SESSION_DATA: start.session_data,
        CLAIM_ATTEMPT_NUMBER: start.attempt_number,
        CLAIM_END_ASSESSMENT_RETURN: end_assessment_return,
    }
    if verified_user:
        claims[CLAIM_VERIFIED_USER] = dict(verified_user)
    return jwt.encode(claims, private_key_pem, algorithm="RS256", headers={"kid": kid})


# Assessment Control Service ---------------------------------------------------------------------

def acs_request(action: AcsAction, *, platform_issuer: str, user_id: str, resource_link_id: str,
                attempt_number: int, incident_time: datetime, incident_severity: float,
                extra_time: int | None = None, reason_code: str | None = None,
                reason_msg: str | None = None) -> dict:
    """The body of an Assessment Control Service request for a proctor's action: every request says when
    the incident happened and how severe it is (0 to 1); `update` grants `extra_time` seconds.

    The user carries the platform's issuer beside its sub, as the certified implementations send it."""
    action = AcsAction(action)
    if incident_time.tzinfo is None:
        raise ValueError("incident_time must carry its time zone")
    if isinstance(incident_severity, bool) or not isinstance(incident_severity, (int, float)) \
            or not math.isfinite(incident_severity) or not 0 <= incident_severity <= 1:
        raise ValueError("incident_severity is a number from 0 to 1")
    if action is AcsAction.UPDATE and not (isinstance(extra_time, int) and extra_time > 0):
        raise ValueError("an update grants extra_time: a positive number of seconds")
    if action is not AcsAction.UPDATE and extra_time is not None:
        raise ValueError("only an update grants extra_time")
    body = {
        "user": {"iss": platform_issuer, "sub": user_id},
        "resource_link": {"id": resource_link_id},
        "attempt_number": attempt_number,
        "action": action.value,
        "incident_time": incident_time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "incident_severity": incident_severity,
    }
    optional = {"extra_time": extra_time, "reason_code": reason_code, "reason_msg": reason_msg}
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def post_acs_request(acs_url: str, token: AccessToken, body: dict, *, timeout: float = TIMEOUT) -> AcsResult:
    """Send the request to the platform's Assessment Control Service and read its answer."""
    _status, _headers, answer = call_service("POST", acs_url, token=token, timeout=timeout,
                                      body=json.dumps(body).encode(),
                                      headers={"Content-Type": CONTROL_TYPE, "Accept": "application/json"})
    result = json_object(answer, acs_url)
    try:
        status = AcsStatus(result.get("status"))
    except ValueError:
        raise LtiServiceRefused(f"{acs_url} answered an unknown status {result.get('status')!r}") from None
    extra_time = result.get("extra_time")
    if extra_time is not None and not isinstance(extra_time, int):
        raise LtiServiceRefused(f"{acs_url} answered an extra_time that is no whole number")
    return AcsResult(status, extra_time)


# Reading claims ---------------------------------------------------------------------------------

def _expect_message(claims: dict, message_type: str) -> None:
    if claims.get(CLAIM_MESSAGE_TYPE) != message_type:
        raise InvalidProctoringMessage(f"Not an {message_type} message", CLAIM_MESSAGE_TYPE)
    if claims.get(CLAIM_VERSION) != LTI_VERSION:
        raise InvalidProctoringMessage(f"Not LTI version {LTI_VERSION}", CLAIM_VERSION)


def _text(claims: dict, claim: str) -> str:
    value = claims.get(claim)
    if not isinstance(value, str) or not value:
        raise InvalidProctoringMessage(f"The {claim.rsplit('/', 1)[-1]} claim is missing", claim)
    return value


def _user_id(claims: dict) -> str:
    # A proctored attempt belongs to someone: the anonymous launch the core standard allows is refused.
    return _text(claims, "sub")


def _resource_link(claims: dict) -> dict:
    link = claims.get(CLAIM_RESOURCE_LINK)
    if not isinstance(link, dict) or not isinstance(link.get("id"), str) or not link["id"]:
        raise InvalidProctoringMessage("The resource_link claim has no id", CLAIM_RESOURCE_LINK)
    return link


def _attempt_number(claims: dict) -> int:
    value = claims.get(CLAIM_ATTEMPT_NUMBER)
    # A JSON number, though some platforms send it as a string of digits.
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidProctoringMessage("The attempt_number claim is not a positive whole number",
                                       CLAIM_ATTEMPT_NUMBER)
    return value


def _is_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))
