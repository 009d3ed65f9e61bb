"""Deep linking: an instructor picks one of the institute's exams and it goes back to the course as a
resource link with a line item (its maximum score the assessment's marks), naming the exam in a custom
parameter that the learners' launches read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from webapp.accounts.models import User
from webapp.assessments.services import max_marks
from webapp.core import links
from webapp.core.clock import utcnow
from webapp.core.errors import NotFound
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.exams.services import get_exam
from webapp.lti import keys
from webapp.lti.launch import DEPLOYMENT_ID, EXAM_PARAMETER, LTI_VERSION, MESSAGE_TYPE, VERSION, deep_linking_context
from webapp.lti.models import LtiPlatform

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESPONSE_LIFETIME = timedelta(minutes=10)


@dataclass
class DeepLinkingAnswer:
    return_url: str
    jwt: str


def _actor(context: dict) -> User:
    user = db.session.get(User, context.get("user") or 0)
    if user is None or not user.is_active:
        raise NotFound("Staff member")
    require(user, Permission.EDIT_EXAMS)
    return user


def link_exam(token: str, exam_id) -> DeepLinkingAnswer:
    """The signed LtiDeepLinkingResponse that takes the chosen exam to the course."""
    context = deep_linking_context(token)
    exam = get_exam(_actor(context), exam_id)
    platform = db.session.get(LtiPlatform, context["platform"])
    if platform is None or platform.institute_id != exam.institute_id:
        raise NotFound("LTI platform")
    now = utcnow()
    claims = {
        "iss": platform.client_id, "aud": platform.issuer, "iat": int(now.timestamp()),
        "exp": int((now + RESPONSE_LIFETIME).timestamp()), "nonce": keys.new_nonce(),
        DEPLOYMENT_ID: context["deployment"], MESSAGE_TYPE: "LtiDeepLinkingResponse", VERSION: LTI_VERSION,
        DL + "content_items": [{
            "type": "ltiResourceLink", "title": exam.name, "url": links.absolute("/lti/launch"),
            "custom": {EXAM_PARAMETER: exam.access_key},
            "lineItem": {"scoreMaximum": max_marks(exam.assessment) or 1, "label": exam.name,
                         "resourceId": exam.access_key}}],
    }
    if context.get("data") is not None:
        claims[DL + "data"] = context["data"]
    return DeepLinkingAnswer(return_url=context["return_url"], jwt=keys.sign(claims))
