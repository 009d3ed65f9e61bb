"""The OIDC third-party login and the launch, with every check LTI 1.3 (1EdTech Security Framework) demands,
and what a valid launch opens: a learner's sitting, an instructor's console page, or deep linking.

The login binds a state to the browser with a cookie that carries the nonce, signed (so no row is written
before a launch is valid); the launch checks the id_token against it and the platform's keys. Any failure
raises LaunchRefused, whose reason the audit log keeps."""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.candidates.models import Candidate
from webapp.core import links
from webapp.core.clock import utcnow
from webapp.core.errors import DomainError, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.core.validation import normalise_email
from webapp.exams.models import Exam
from webapp.lti import grades
from webapp.lti.models import LtiPlatform, LtiProctoringSession, LtiResourceLink, LtiUsedNonce, LtiUserLink
from webapp.lti.proctoring import END_ASSESSMENT, START_PROCTORING
from webapp.sittings.models import Sitting
from webapp.sittings.services import register_for_platform

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE, VERSION, DEPLOYMENT_ID = CLAIM + "message_type", CLAIM + "version", CLAIM + "deployment_id"
ROLES, RESOURCE_LINK, CONTEXT = CLAIM + "roles", CLAIM + "resource_link", CLAIM + "context"
CUSTOM, TARGET_LINK_URI = CLAIM + "custom", CLAIM + "target_link_uri"
LAUNCH_PRESENTATION = CLAIM + "launch_presentation"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST = "LtiResourceLinkRequest", "LtiDeepLinkingRequest"
# The proctoring messages' launches are read by webapp/lti/proctored.py.
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST, START_PROCTORING, END_ASSESSMENT)
LTI_VERSION = "1.3.0"

# Clocks of the platform and of Proctora differ a little.
LEEWAY = timedelta(seconds=60)
# The time from login initiation to launch: the platform's own login page may come in between.
STATE_MAX_AGE = 600
JWKS_TTL = timedelta(minutes=10)
JWKS_TIMEOUT = 5
STATE_COOKIE_PREFIX = "lti_state_"
# The custom parameter (or target link URI's query parameter) naming the exam by its access key.
EXAM_PARAMETER = "exam"
# LTI roles (the part after '#' of the standard's URIs) that make a staff user, strongest first.
STAFF_ROLES = {"Administrator": Role.ADMIN, "Instructor": Role.EXAMINER, "TeachingAssistant": Role.PROCTOR}


class LaunchRefused(DomainError):
    """A login or launch the standard's checks refuse. `reason` is the audit log's word for the check."""

    def __init__(self, message: str, *, reason: str, status: int = 400, platform: LtiPlatform | None = None):
        super().__init__(message, code=f"E{status}")
        self.status = status
        self.reason = reason
        self.platform = platform


class ClockSigner(TimestampSigner):
    # The state's age is read on the one clock, which tests move.
    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=ClockSigner)


def state_cookie_name(state: str) -> str:
    return STATE_COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:32]


# Login initiation --------------------------------------------------------------------------------------

@dataclass
class LoginRedirect:
    url: str               # the platform's authentication request
    cookie_name: str
    cookie_value: str      # the signed nonce bound to this state


def _platform_for(issuer: str, client_id: str) -> LtiPlatform:
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    found = list(db.session.scalars(query.limit(2)))
    if len(found) != 1:
        raise LaunchRefused(_("This learning platform is not registered in Proctora. Ask your administrator to "
                              "register it under Settings, Learning platforms."), reason="unknown_platform",
                            status=403)
    return found[0]


def start_login(params: dict) -> LoginRedirect:
    """The answer to a platform's login initiation: its authentication request, with a new state and nonce."""
    issuer, login_hint = params.get("iss") or "", params.get("login_hint") or ""
    target_link_uri = params.get("target_link_uri") or ""
    if not issuer or not login_hint or not target_link_uri:
        raise LaunchRefused(_("The learning platform's login request is incomplete (it needs iss, login_hint and "
                              "target_link_uri)."), reason="login_incomplete")
    platform = _platform_for(issuer, params.get("client_id") or "")
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in platform.deployment_ids:
        raise _unknown_deployment(platform)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    request = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
               "client_id": platform.client_id, "redirect_uri": links.absolute("/lti/launch"),
               "login_hint": login_hint, "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        request["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if urlsplit(platform.auth_login_url).query else "?"
    return LoginRedirect(url=platform.auth_login_url + separator + urlencode(request),
                         cookie_name=state_cookie_name(state),
                         cookie_value=_serializer("lti-state").dumps({"nonce": nonce, "platform": platform.id}))


def _unknown_deployment(platform: LtiPlatform) -> LaunchRefused:
    return LaunchRefused(_("This deployment of Proctora is not registered for the learning platform %(name)s. "
                           "Ask your administrator to add its deployment ID.", name=platform.name),
                         reason="unknown_deployment", status=403, platform=platform)


# The platform's keys ------------------------------------------------------------------------------------

_key_sets: dict[str, tuple] = {}   # JWKS URL -> (fetched at, keys by kid)


def _fetch_key_set(platform: LtiPlatform) -> dict:
    try:
        with urllib.request.urlopen(platform.jwks_url, timeout=JWKS_TIMEOUT) as answer:
            keys = json.loads(answer.read(1_000_000)).get("keys", [])
    except (OSError, ValueError, AttributeError) as error:
        log.warning("The JWKS of %s could not be read: %s", platform.jwks_url, error)
        raise LaunchRefused(_("The learning platform's public keys could not be read. Please try again later."),
                            reason="keys_unavailable", platform=platform) from None
    by_kid = {key.get("kid"): key for key in keys if isinstance(key, dict)}
    _key_sets[platform.jwks_url] = (utcnow(), by_kid)
    return by_kid


def _platform_key(platform: LtiPlatform, kid):
    """The platform's public key for this kid, from the cached key set; an unknown kid (a rotation at the
    platform) reads the key set again, once."""
    cached = _key_sets.get(platform.jwks_url)
    fresh = cached is not None and cached[0] > utcnow() - JWKS_TTL
    keys = cached[1] if fresh else _fetch_key_set(platform)
    if kid not in keys and fresh:
        keys = _fetch_key_set(platform)
    if kid not in keys:
        raise LaunchRefused(_("The launch was signed with a key the learning platform does not publish."),
                            reason="unknown_key", platform=platform)
    try:
        return jwt.PyJWK(keys[kid], algorithm="RS256").key
    except jwt.PyJWTError:
        raise LaunchRefused(_("The learning platform publishes a key Proctora cannot read."),
                            reason="unreadable_key", platform=platform) from None


# The launch --------------------------------------------------------------------------------------------

@dataclass
class Launch:
    platform: LtiPlatform
    claims: dict
    state_cookie: str
    message_type: str = field(init=False)

    def __post_init__(self):
        self.message_type = self.claims[MESSAGE_TYPE]


def _refuse_token(message: str, reason: str, platform: LtiPlatform | None, status: int = 400):
    raise LaunchRefused(message, reason=reason, status=status, platform=platform)


def validate_launch(form: dict, cookies: dict) -> Launch:
    """The id_token the platform posted, every check made: state bound to this browser, signature, issuer,
    audience, times, nonce once, version, deployment, message type."""
    id_token, state = form.get("id_token") or "", form.get("state") or ""
    if not id_token or not state:
        _refuse_token(_("The learning platform sent no launch (id_token and state are missing)."), "no_token", None)
    cookie_name = state_cookie_name(state)
    bound = cookies.get(cookie_name)
    if not bound:
        _refuse_token(_("Your browser did not keep the cookie that ties this launch to it (it may block cookies "
                        "inside the course page). Open Proctora in a new window from your course."),
                      "state_cookie_missing", None, 403)
    try:
        bound = _serializer("lti-state").loads(bound, max_age=STATE_MAX_AGE)
    except SignatureExpired:
        _refuse_token(_("The launch took too long. Open the link in your course again."), "state_expired", None, 403)
    except BadSignature:
        _refuse_token(_("The launch does not belong to this browser's login."), "state_mismatch", None, 403)
    platform = db.session.get(LtiPlatform, bound["platform"])
    if platform is None:
        _refuse_token(_("This learning platform is not registered in Proctora."), "unknown_platform", None, 403)
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        _refuse_token(_("The launch's id_token is not a valid JWT."), "malformed_token", platform)
    if header.get("alg") != "RS256":
        _refuse_token(_("The launch's id_token must be signed with RS256."), "wrong_algorithm", platform)
    key = _platform_key(platform, header.get("kid"))
    try:
        claims = jwt.decode(id_token, key, algorithms=["RS256"], audience=platform.client_id, issuer=platform.issuer,
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                     "require": ["iss", "aud", "exp", "iat", "nonce"]})
    except jwt.InvalidSignatureError:
        _refuse_token(_("The launch's signature is not the learning platform's."), "bad_signature", platform, 403)
    except jwt.InvalidAudienceError:
        _refuse_token(_("The launch was meant for another tool (its audience is not Proctora's client ID)."),
                      "wrong_audience", platform, 403)
    except jwt.InvalidIssuerError:
        _refuse_token(_("The launch comes from another issuer than the registered platform."), "wrong_issuer",
                      platform, 403)
    except jwt.PyJWTError:
        _refuse_token(_("The launch's id_token is not valid."), "invalid_token", platform)
    _check_claims(platform, claims, bound["nonce"])
    _remember_origin(platform, claims)
    return Launch(platform=platform, claims=claims, state_cookie=cookie_name)


MAX_SEEN_ORIGINS = 20


def _remember_origin(platform: LtiPlatform, claims: dict) -> None:
    """The origin of the platform's page the launch came from (its signed return URL), which may frame the
    pages the launch opens."""
    presentation = claims.get(LAUNCH_PRESENTATION) if isinstance(claims.get(LAUNCH_PRESENTATION), dict) else {}
    parts = urlsplit(str(presentation.get("return_url") or ""))
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None
    if origin and origin not in platform.seen_origins and len(platform.seen_origins) < MAX_SEEN_ORIGINS:
        platform.seen_origins = [*platform.seen_origins, origin]


def _check_claims(platform: LtiPlatform, claims: dict, nonce: str) -> None:
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != platform.client_id:
        _refuse_token(_("The launch names several audiences but not Proctora as its authorised party (azp)."),
                      "wrong_azp", platform, 403)
    now = utcnow()
    try:
        expires, issued = float(claims["exp"]), float(claims["iat"])
    except (TypeError, ValueError):
        _refuse_token(_("The launch's id_token is not valid."), "invalid_token", platform)
    if expires < (now - LEEWAY).timestamp():
        _refuse_token(_("The launch has expired. Open the link in your course again."), "expired", platform)
    if issued > (now + LEEWAY).timestamp():
        _refuse_token(_("The launch is dated in the future: the learning platform's clock is wrong."),
                      "issued_in_future", platform)
    if claims["nonce"] != nonce:
        _refuse_token(_("The launch does not belong to this browser's login."), "nonce_mismatch", platform, 403)
    if db.session.get(LtiUsedNonce, claims["nonce"]) is not None:
        _refuse_token(_("This launch was used already. Open the link in your course again."), "replayed_nonce",
                      platform, 403)
    db.session.add(LtiUsedNonce(nonce=claims["nonce"], used_at=now))
    db.session.flush()
    if claims.get(VERSION) != LTI_VERSION:
        _refuse_token(_("Proctora speaks LTI 1.3.0; the launch says version %(version)s.",
                        version=str(claims.get(VERSION))), "wrong_version", platform)
    if claims.get(DEPLOYMENT_ID) not in platform.deployment_ids:
        raise _unknown_deployment(platform)
    if claims.get(MESSAGE_TYPE) not in MESSAGE_TYPES:
        _refuse_token(_("Proctora cannot handle this kind of LTI message (%(type)s).",
                        type=str(claims.get(MESSAGE_TYPE))), "unsupported_message", platform)
    if not claims.get("sub"):
        _refuse_token(_("The launch names no user: Proctora needs to know who is taking or managing the test."),
                      "anonymous", platform)


def record_refusal(refusal: LaunchRefused) -> None:
    """The refused launch in the platform's institute's audit log (an unknown platform has no institute:
    the server's log has it)."""
    if refusal.platform is None:
        log.warning("LTI launch refused (%s): %s", refusal.reason, refusal.message)
        return
    audit(None, "lti.launch_refused", "lti_platform", refusal.platform.id, after={"reason": refusal.reason},
          label=refusal.platform.name, institute_id=refusal.platform.institute_id, actor_name=refusal.platform.name)


# What a launch opens -----------------------------------------------------------------------------------

@dataclass
class Opened:
    """Where a valid launch leads: a learner's sitting, or a staff user (to sign in) and the exam they manage
    (None: the exams' list), or deep linking (`deep_linking` is its signed context, `exams` those to pick
    from), or the closing page of a proctored attempt the platform ended (`ended`). `state_cookie` is spent."""
    state_cookie: str
    sitting: Sitting | None = None
    user: User | None = None
    exam: Exam | None = None
    deep_linking: str = ""
    exams: list[Exam] = field(default_factory=list)
    ended: LtiProctoringSession | None = None


def role_names(roles) -> set[str]:
    """The LTI roles' short names (the part after '#' or the last '/' of their URIs)."""
    return {str(role).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for role in roles} if isinstance(roles, list) else set()


def staff_role(claims: dict) -> Role | None:
    names = role_names(claims.get(ROLES))
    return next((role for name, role in STAFF_ROLES.items() if name in names), None)


def open_launch(launch: Launch) -> Opened:
    role = staff_role(launch.claims)
    if launch.message_type == DEEP_LINKING_REQUEST:
        if role is None or role == Role.PROCTOR:
            _refuse_token(_("Only an instructor can add a Proctora exam to the course."), "not_instructor",
                          launch.platform, 403)
        user = _staff(launch, role)
        return Opened(launch.state_cookie, user=user, deep_linking=_deep_linking_context(launch),
                      exams=list(db.session.scalars(select(Exam).where(Exam.institute_id == user.institute_id)
                                                    .order_by(Exam.name, Exam.id))))
    link = record_resource_link(launch)
    exam = db.session.get(Exam, link.exam_id) if link.exam_id else None
    if role is not None:
        return Opened(launch.state_cookie, user=_staff(launch, role), exam=exam)
    if exam is None:
        _refuse_token(_("This link of your course opens no exam of Proctora: ask your instructor to link it "
                        "to an exam."), "no_exam", launch.platform, 404)
    sitting = register_for_platform(exam, candidate_for(launch))
    grades.link_sitting(sitting, link, _text(launch.claims["sub"], 255))
    return Opened(launch.state_cookie, sitting=sitting)


def _named_exam(launch: Launch) -> Exam | None:
    custom = launch.claims.get(CUSTOM) if isinstance(launch.claims.get(CUSTOM), dict) else {}
    key = str(custom.get(EXAM_PARAMETER) or "")
    if not key:
        key = (parse_qs(urlsplit(str(launch.claims.get(TARGET_LINK_URI) or "")).query).get(EXAM_PARAMETER) or [""])[0]
    if not key:
        return None
    exam = db.session.scalar(select(Exam).where(Exam.access_key == key,
                                                Exam.institute_id == launch.platform.institute_id))
    if exam is None:
        _refuse_token(_("The exam this link names is not one of your institute's."), "unknown_exam",
                      launch.platform, 404)
    return exam


def _text(value, length: int) -> str:
    return str(value or "")[:length]


def record_resource_link(launch: Launch) -> LtiResourceLink:
    """The course's link, recorded or brought up to date, with what the grade and roster services need."""
    claims, platform = launch.claims, launch.platform
    resource = claims.get(RESOURCE_LINK) if isinstance(claims.get(RESOURCE_LINK), dict) else {}
    if not resource.get("id"):
        _refuse_token(_("The launch names no resource link."), "no_resource_link", platform)
    exam = _named_exam(launch)
    link = db.session.scalar(select(LtiResourceLink).where(LtiResourceLink.platform_id == platform.id,
                                                           LtiResourceLink.resource_link_id == str(resource["id"])))
    if link is None:
        link = LtiResourceLink(institute_id=platform.institute_id, platform_id=platform.id,
                               resource_link_id=_text(resource["id"], 255))
        db.session.add(link)
    context = claims.get(CONTEXT) if isinstance(claims.get(CONTEXT), dict) else {}
    grades = claims.get(AGS_ENDPOINT) if isinstance(claims.get(AGS_ENDPOINT), dict) else {}
    roster = claims.get(NRPS_SERVICE) if isinstance(claims.get(NRPS_SERVICE), dict) else {}
    link.deployment_id = _text(claims.get(DEPLOYMENT_ID), 255)
    link.context_id = _text(context.get("id"), 255)
    link.title = _text(resource.get("title"), 500)
    if exam is not None:
        link.exam_id = exam.id
    link.line_item_url = _text(grades.get("lineitem"), 1000)
    link.line_items_url = _text(grades.get("lineitems"), 1000)
    link.ags_scopes = [str(scope) for scope in grades.get("scope") or [] if isinstance(grades.get("scope"), list)]
    link.memberships_url = _text(roster.get("context_memberships_url"), 1000)
    db.session.flush()
    return link


def _user_link(launch: Launch) -> LtiUserLink:
    return user_link(launch.platform, _text(launch.claims["sub"], 255))


def user_link(platform: LtiPlatform, sub: str) -> LtiUserLink:
    """Who the platform's user `sub` is here, recorded (still nobody) when first seen."""
    link = db.session.scalar(select(LtiUserLink).where(LtiUserLink.platform_id == platform.id, LtiUserLink.sub == sub))
    if link is None:
        link = LtiUserLink(platform_id=platform.id, sub=sub)
        db.session.add(link)
    return link


def _email(launch: Launch) -> str:
    """The e-mail from the claims, or (a platform may keep it private) an address of the reserved `.invalid`
    domain, unique for this platform's user, to which nothing is ever delivered."""
    try:
        return normalise_email(str(launch.claims.get("email") or ""))
    except ValidationError:
        digest = hashlib.sha256(f"{launch.platform.id}:{launch.claims['sub']}".encode()).hexdigest()[:20]
        return f"lti-{digest}@lti.invalid"


def person_names(person: dict) -> tuple[str, str]:
    """First and last name from a launch's claims or a roster's member (the same claims of OpenID Connect)."""
    given, family = _text(person.get("given_name"), 120), _text(person.get("family_name"), 120)
    if not given and not family:
        given, _space, family = _text(person.get("name"), 241).partition(" ")
    return given.strip()[:120], family.strip()[:120]


def candidate_for(launch: Launch) -> Candidate:
    """The learner as a candidate of the platform's institute (`platform_candidate`)."""
    return platform_candidate(launch.platform, _user_link(launch), _email(launch), person_names(launch.claims))


def platform_candidate(platform: LtiPlatform, link: LtiUserLink, email: str, names: tuple[str, str]) -> Candidate:
    """A platform's learner as a candidate of the platform's institute: by the platform's user id (`link`),
    else by e-mail (the institute registered the platform, and trusts what it says of its users), else new
    with these first and last names."""
    institute_id = platform.institute_id
    candidate = db.session.get(Candidate, link.candidate_id) if link.candidate_id else None
    if candidate is None:
        candidate = db.session.scalar(select(Candidate).where(Candidate.institute_id == institute_id,
                                                              Candidate.email == email))
        if candidate is None:
            first_name, last_name = names
            username = email[:Candidate.username.type.length]
            if db.session.scalar(select(Candidate.id).where(Candidate.institute_id == institute_id,
                                                            Candidate.username == username)) is not None:
                username = f"{email[:100]}-{secrets.token_hex(3)}"
            candidate = Candidate(institute_id=institute_id, email=email, username=username, first_name=first_name,
                                  last_name=last_name)
            db.session.add(candidate)
            db.session.flush()
        link.candidate_id = candidate.id
    db.session.flush()
    return candidate


def _staff(launch: Launch, role: Role) -> User:
    """The instructor as a staff user of the platform's institute: by the platform's user id, else by e-mail,
    else a new account without a password (it signs in through the platform only), its role from the LTI
    roles. An account of another institute with that e-mail is never taken over."""
    link, institute_id = _user_link(launch), launch.platform.institute_id
    user = db.session.get(User, link.user_id) if link.user_id else None
    if user is None:
        email = _email(launch)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.institute_id != institute_id:
            _refuse_token(_("The e-mail address %(email)s belongs to a staff account of another institute.",
                            email=email), "email_of_another_institute", launch.platform, 403)
        if user is None:
            first_name, last_name = person_names(launch.claims)
            user = User(institute_id=institute_id, email=email, role=role,
                        name=" ".join(filter(None, (first_name, last_name))) or email.split("@")[0])
            db.session.add(user)
            db.session.flush()
            audit(None, "staff.invite", "user", user.id, {}, {"role": role.value, "email": email},
                  label=f"{user.name} ({user.email})", institute_id=institute_id, actor_name=launch.platform.name)
        link.user_id = user.id
    if not user.is_active:
        _refuse_token(_("Your staff account in Proctora is deactivated."), "staff_inactive", launch.platform, 403)
    user.last_login_at = utcnow()
    audit(user, "login.success", "user", user.id, label=f"{user.name} ({user.email})")
    db.session.flush()
    return user


# Deep linking ------------------------------------------------------------------------------------------

DEEP_LINKING_MAX_AGE = 3600


def _deep_linking_context(launch: Launch) -> str:
    """What the answer to the platform needs, signed: the picking page posts it back, so no session cookie
    (which a third-party iframe may not keep) is needed."""
    settings = launch.claims.get(DEEP_LINKING_SETTINGS) if isinstance(launch.claims.get(DEEP_LINKING_SETTINGS),
                                                                      dict) else {}
    if not settings.get("deep_link_return_url"):
        _refuse_token(_("The deep linking request names no return address."), "no_return_url", launch.platform)
    link = _user_link(launch)
    return _serializer("lti-deep-linking").dumps({
        "platform": launch.platform.id, "deployment": launch.claims[DEPLOYMENT_ID], "user": link.user_id,
        "return_url": settings["deep_link_return_url"], "data": settings.get("data")})


def deep_linking_context(token: str) -> dict:
    try:
        return _serializer("lti-deep-linking").loads(token, max_age=DEEP_LINKING_MAX_AGE)
    except BadSignature:
        raise LaunchRefused(_("This choice has expired. Open the course's link again."), reason="deep_linking_expired",
                            status=403) from None
