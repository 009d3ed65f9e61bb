"""A real LTI 1.3 platform for tests, playing Moodle or Canvas on 127.0.0.1: its own RSA keys and JWKS,
the OIDC authorization endpoint, launch pages a browser opens, the OAuth2 token endpoint (client
credentials with a JWT client assertion, RFC 7523), Assignment and Grade Services 2.0, Names and Role
Provisioning Services 2.0, the deep linking return, and LTI Proctoring Services 1.0 (LtiStartProctoring
and LtiEndAssessment launches, the start_assessment_url and the Assessment Control Service).

Written with Flask and PyJWT rather than `lti1p3platform` (0.1.8): that package has no proctoring
messages, no Flask adapter, no way to sign wrongly on purpose, and holds one registration per object.

A test registers the tool (`register_tool`), builds a launch (`launch(...)`) and sends a browser to the
launch's `start_url`; knobs (`Tampering`) spoil the id_token for the standard's negative cases. What the
tool sends comes back as records (`scores`, `deep_linking_responses`, `started_assessments`,
`acs_requests`), and every request the platform refused is in `refusals` with its reason."""
from __future__ import annotations

import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import jwt
from jwt.algorithms import RSAAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, redirect, request
from markupsafe import escape
from werkzeug.serving import make_server

from webapp.core.clock import utcnow

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AP = "https://purl.imsglobal.org/spec/lti-ap/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
START_PROCTORING = "LtiStartProctoring"
END_ASSESSMENT = "LtiEndAssessment"

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPE_CONTROL = "https://purl.imsglobal.org/spec/lti-ap/scope/control.all"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
SCOPES = frozenset(AGS_SCOPES + (SCOPE_MEMBERSHIPS, SCOPE_CONTROL))

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
CONTROL_TYPE = "application/vnd.ims.lti-ap.v1.control+json"
ACS_ACTIONS = ("pause", "resume", "terminate", "update", "flag")

ID_TOKEN_LIFETIME = timedelta(minutes=5)
ACCESS_TOKEN_LIFETIME = timedelta(hours=1)


class Refused(Exception):
    def __init__(self, reason: str, status: int = 400, **extra):
        super().__init__(reason)
        self.reason, self.status, self.extra = reason, status, extra


@dataclass(frozen=True)
class PlatformUser:
    sub: str
    name: str = "Ann Learner"
    given_name: str = "Ann"
    family_name: str = "Learner"
    email: str | None = "ann@example.edu"
    roles: tuple[str, ...] = (LEARNER,)

    def member(self) -> dict:
        member = {"status": "Active", "user_id": self.sub, "name": self.name, "given_name": self.given_name,
                  "family_name": self.family_name, "roles": list(self.roles)}
        if self.email:
            member["email"] = self.email
        return member


@dataclass(frozen=True)
class Tampering:
    """How to spoil a launch's id_token, one knob per negative case of the standard."""

    wrong_key: bool = False          # signed by a key that is not the one its kid names
    unknown_kid: bool = False        # signed by a key whose kid the JWKS does not list
    wrong_audience: bool = False
    expired: bool = False
    deployment_id: str | None = None  # an unknown deployment, in the login initiation and the claim


@dataclass
class Launch:
    id: str                          # the lti_message_hint
    message_type: str
    user: PlatformUser
    target_link_uri: str
    deployment_id: str
    login_hint: str
    resource_link: dict | None
    context: dict
    custom: dict
    lineitem_url: str | None
    ags: bool
    nrps: bool
    tampering: Tampering
    initiation_method: str
    deep_linking_data: str | None = None
    attempt_number: int | None = None
    session_data: str | None = None
    acs_actions: tuple[str, ...] = ()
    # Set once the tool asked the authorization endpoint for the id_token:
    redirect_uri: str | None = None
    state: str | None = None
    id_token: str | None = None
    claims: dict | None = None
    start_url: str = ""
    replay_url: str = ""


@dataclass
class Attempt:
    """A proctored attempt as the platform keeps it, moved by the tool's ACS requests."""

    launch: Launch
    status: str = "none"
    extra_time: int = 0
    flags: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ReceivedScore:
    lineitem_id: str
    score: dict


@dataclass(frozen=True)
class ReceivedMessage:
    """A signed message from the tool (deep linking response, start assessment), verified."""

    header: dict
    claims: dict
    launch: Launch


@dataclass(frozen=True)
class AcsReceived:
    body: dict
    answer: dict


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_jwk(key, kid: str) -> dict:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def auto_submit_form(action: str, fields: dict) -> str:
    """The page a platform answers to move the browser on with a POST: the form submits itself."""
    inputs = "".join(f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                     for name, value in fields.items())
    return (f'<!doctype html><html><head><title>LTI</title></head><body>'
            f'<form id="lti" method="post" action="{escape(action)}">{inputs}'
            f'<noscript><button type="submit">Continue</button></noscript></form>'
            f'<script>document.getElementById("lti").submit()</script></body></html>')


class LtiPlatform:
    def __init__(self, *, client_id: str = "proctora-tool", deployment_id: str = "deployment-1",
                 name: str = "Test LMS"):
        self._lock = threading.RLock()
        self.client_id = client_id
        self.deployment_ids = {deployment_id}
        self.deployment_id = deployment_id
        self.name = name
        self._keys: dict[str, object] = {}
        self.kid = ""
        self.rotate_key()
        # The tool, as a platform admin registers it.
        self.tool_login_url = ""
        self.tool_redirect_uris: tuple[str, ...] = ()
        self.tool_jwks_url = ""
        self.tool_jwks: dict | None = None
        self.launches: dict[str, Launch] = {}
        self.line_items: dict[str, dict] = {}
        self.rosters: dict[str, list[dict]] = {}
        self.page_size = 2
        self.attempts: dict[tuple[str, str, int], Attempt] = {}
        self.tokens: dict[str, tuple[frozenset[str], datetime]] = {}
        self.scores: list[ReceivedScore] = []
        self.deep_linking_responses: list[ReceivedMessage] = []
        self.started_assessments: list[ReceivedMessage] = []
        self.acs_requests: list[AcsReceived] = []
        self.refusals: list[str] = []
        self.requests: list[str] = []        # "METHOD /path?query" of every request, in turn
        self._jtis: set[str] = set()
        self._nonces: set[str] = set()
        self._failures: dict[str, list[int]] = {}
        self.app = self._build_app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # Set-up -------------------------------------------------------------------------------------

    def register_tool(self, *, login_url: str, redirect_uris, jwks_url: str = "", jwks: dict | None = None) -> None:
        """The tool's login initiation URL, its redirect URIs, and its keys: a JWKS URL, or the keys pasted
        in (Moodle's "RSA key" public key type), which a test without a served tool uses."""
        if bool(jwks_url) == (jwks is not None):
            raise ValueError("the tool's keys: a jwks_url or a jwks")
        self.tool_login_url = login_url
        self.tool_redirect_uris = tuple(redirect_uris)
        self.tool_jwks_url = jwks_url
        self.tool_jwks = jwks

    def rotate_key(self, *, retire_old: bool = False) -> str:
        """Sign from now on with a new key under a new kid; the JWKS keeps listing the old keys unless
        they are retired."""
        with self._lock:
            if retire_old:
                self._keys.clear()
            self.kid = f"platform-{uuid.uuid4().hex[:12]}"
            self._keys[self.kid] = _new_key()
        return self.kid

    def jwks(self) -> dict:
        return {"keys": [public_jwk(key, kid) for kid, key in self._keys.items()]}

    def url(self, path: str) -> str:
        return self.issuer + path

    @property
    def auth_url(self) -> str:
        return self.url("/auth")

    @property
    def token_url(self) -> str:
        return self.url("/token")

    @property
    def jwks_url(self) -> str:
        return self.url("/jwks")

    def lineitems_url(self, context_id: str) -> str:
        return self.url(f"/contexts/{context_id}/lineitems")

    def memberships_url(self, context_id: str) -> str:
        return self.url(f"/contexts/{context_id}/memberships")

    @property
    def deep_link_return_url(self) -> str:
        return self.url("/deep_link_return")

    @property
    def start_assessment_url(self) -> str:
        return self.url("/start_assessment")

    @property
    def acs_url(self) -> str:
        return self.url("/acs")

    def add_line_item(self, context_id: str, *, label: str, score_maximum: float,
                      resource_link_id: str | None = None, resource_id: str | None = None,
                      tag: str | None = None) -> dict:
        with self._lock:
            number = len(self.line_items) + 1
            # Moodle's line item URLs carry a query: the scores URL goes before it.
            item = {"id": self.url(f"/contexts/{context_id}/lineitems/{number}/lineitem?type_id=1"),
                    "label": label, "scoreMaximum": score_maximum}
            item.update({key: value for key, value in (("resourceLinkId", resource_link_id),
                                                       ("resourceId", resource_id), ("tag", tag)) if value})
            self.line_items[str(number)] = {"context_id": context_id, **item}
        return item

    def enrol(self, context_id: str, *users: PlatformUser) -> None:
        with self._lock:
            roster = self.rosters.setdefault(context_id, [])
            known = {member["user_id"] for member in roster}
            roster.extend(user.member() for user in users if user.sub not in known)

    def fail_next(self, endpoint: str, *statuses: int) -> None:
        """Answer the next requests to `endpoint` ("token", "lineitems", "lineitem", "scores",
        "memberships", "acs") with these HTTP statuses, in turn (None: answer that one as usual)."""
        self._failures[endpoint] = list(statuses)

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def attempt(self, launch: Launch) -> Attempt:
        return self.attempts[(launch.user.sub, launch.resource_link["id"], launch.attempt_number)]

    # Launches -----------------------------------------------------------------------------------

    def launch(self, user: PlatformUser, *, message_type: str = RESOURCE_LINK,
               target_link_uri: str | None = None, resource_link_id: str = "resource-link-1",
               resource_link_title: str = "Final exam", context_id: str = "course-1",
               context_title: str = "Biology 101", custom: dict | None = None, ags: bool = True,
               nrps: bool = True, lineitem: dict | None = None, attempt_number: int = 1,
               acs_actions=ACS_ACTIONS, tampering: Tampering = Tampering(),
               initiation_method: str = "POST") -> Launch:
        """A launch of the tool for `user`, started by a browser at `launch.start_url`."""
        if not self.tool_login_url:
            raise RuntimeError("register_tool first")
        hint = secrets.token_urlsafe(12)
        with_link = message_type in (RESOURCE_LINK, START_PROCTORING, END_ASSESSMENT)
        launch = Launch(
            id=hint, message_type=message_type, user=user,
            target_link_uri=target_link_uri or self.tool_redirect_uris[0],
            deployment_id=tampering.deployment_id or self.deployment_id,
            login_hint=secrets.token_urlsafe(12),
            resource_link={"id": resource_link_id, "title": resource_link_title} if with_link else None,
            context={"id": context_id, "label": context_id.upper(), "title": context_title,
                     "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]},
            custom=dict(custom or {}), lineitem_url=(lineitem or {}).get("id"), ags=ags, nrps=nrps,
            tampering=tampering, initiation_method=initiation_method,
            start_url=self.url(f"/start/{hint}"), replay_url=self.url(f"/replay/{hint}"),
        )
        if message_type == DEEP_LINKING:
            launch.deep_linking_data = secrets.token_urlsafe(8)
        if message_type in (START_PROCTORING, END_ASSESSMENT):
            launch.attempt_number = attempt_number
        if message_type == START_PROCTORING:
            launch.session_data = secrets.token_urlsafe(16)
            launch.acs_actions = tuple(acs_actions)
        with self._lock:
            self.launches[hint] = launch
        self.enrol(context_id, user)
        return launch

    def _claims(self, launch: Launch, nonce: str) -> dict:
        now = utcnow()
        issued = now - timedelta(minutes=10) if launch.tampering.expired else now
        user = launch.user
        claims = {
            "iss": self.issuer,
            "aud": "someone-else" if launch.tampering.wrong_audience else self.client_id,
            "azp": self.client_id, "sub": user.sub, "nonce": nonce,
            "iat": int(issued.timestamp()), "exp": int((issued + ID_TOKEN_LIFETIME).timestamp()),
            "name": user.name, "given_name": user.given_name, "family_name": user.family_name,
            LTI + "message_type": launch.message_type, LTI + "version": "1.3.0",
            LTI + "deployment_id": launch.deployment_id, LTI + "target_link_uri": launch.target_link_uri,
            LTI + "roles": list(user.roles), LTI + "context": launch.context,
            LTI + "tool_platform": {"guid": self.issuer, "name": self.name,
                                    "product_family_code": "proctora-test-platform", "version": "1"},
            LTI + "launch_presentation": {"document_target": "iframe", "return_url": self.url("/return")},
        }
        if user.email:
            claims["email"] = user.email
        if launch.custom:
            claims[LTI + "custom"] = launch.custom
        if launch.resource_link:
            claims[LTI + "resource_link"] = launch.resource_link
        if launch.ags:
            endpoint = {"scope": list(AGS_SCOPES), "lineitems": self.lineitems_url(launch.context["id"])}
            if launch.lineitem_url:
                endpoint["lineitem"] = launch.lineitem_url
            claims[AGS_CLAIM] = endpoint
        if launch.nrps:
            claims[NRPS_CLAIM] = {"context_memberships_url": self.memberships_url(launch.context["id"]),
                                  "service_versions": ["2.0"]}
        if launch.message_type == DEEP_LINKING:
            claims[DL + "deep_linking_settings"] = {
                "deep_link_return_url": self.deep_link_return_url, "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"], "accept_multiple": False,
                "auto_create": True, "title": "Add an assessment", "data": launch.deep_linking_data,
            }
        if launch.message_type in (START_PROCTORING, END_ASSESSMENT):
            claims[AP + "attempt_number"] = launch.attempt_number
        if launch.message_type == START_PROCTORING:
            claims[AP + "start_assessment_url"] = self.start_assessment_url
            claims[AP + "session_data"] = launch.session_data
            claims[AP + "proctoring_settings"] = {"data": json.dumps({"camera": True})}
            claims[AP + "acs"] = {"actions": list(launch.acs_actions), "assessment_control_url": self.acs_url}
        return claims

    def _sign(self, claims: dict, tampering: Tampering) -> str:
        if tampering.unknown_kid:
            return jwt.encode(claims, _pem(_new_key()), algorithm="RS256", headers={"kid": "no-such-kid"})
        if tampering.wrong_key:
            return jwt.encode(claims, _pem(_new_key()), algorithm="RS256", headers={"kid": self.kid})
        return jwt.encode(claims, _pem(self._keys[self.kid]), algorithm="RS256", headers={"kid": self.kid})

    def _authorize(self, params) -> Response:
        """The OIDC authorization endpoint: the tool's login initiation sends the browser here; the
        answer POSTs the id_token and the tool's state to the redirect_uri."""
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                    "prompt": "none", "client_id": self.client_id}
        for name, value in expected.items():
            if params.get(name) != value:
                raise Refused(f"authorization: {name} is {params.get(name)!r}, not {value!r}")
        for name in ("redirect_uri", "login_hint", "state", "nonce", "lti_message_hint"):
            if not params.get(name):
                raise Refused(f"authorization: no {name}")
        if params["redirect_uri"] not in self.tool_redirect_uris:
            raise Refused(f"authorization: redirect_uri {params['redirect_uri']!r} is not registered")
        launch = self.launches.get(params["lti_message_hint"])
        if launch is None:
            raise Refused("authorization: unknown lti_message_hint")
        if params["login_hint"] != launch.login_hint:
            raise Refused("authorization: login_hint is not the launch's")
        claims = self._claims(launch, params["nonce"])
        launch.redirect_uri, launch.state, launch.claims = params["redirect_uri"], params["state"], claims
        launch.id_token = self._sign(claims, launch.tampering)
        return _html(auto_submit_form(launch.redirect_uri, {"id_token": launch.id_token, "state": launch.state}))

    # Verifying the tool ---------------------------------------------------------------------------

    def _tool_key(self, token: str):
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Refused(f"not a JWT: {error}") from None
        if header.get("alg") != "RS256":
            raise Refused(f"alg {header.get('alg')!r} is not RS256")
        # Fetched every time, so that a test sees the tool's rotated keys at once.
        try:
            if self.tool_jwks is not None:
                keys = jwt.PyJWKSet.from_dict(self.tool_jwks).keys
            else:
                keys = jwt.PyJWKClient(self.tool_jwks_url, cache_jwk_set=False, timeout=5).get_signing_keys()
        except jwt.PyJWTError as error:
            raise Refused(f"the tool's JWKS: {error}", 401, error="invalid_client") from None
        for key in keys:
            if key.key_id == header.get("kid"):
                return header, key.key
        raise Refused(f"the tool's JWKS has no kid {header.get('kid')!r}", 401, error="invalid_client")

    def verify_from_tool(self, token: str, *, audience: str) -> tuple[dict, dict]:
        """Verify a JWT the tool signed: its signature against the tool's JWKS, iss, aud and the times
        (against the application's clock, which tests may move)."""
        header, key = self._tool_key(token)
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=audience,
                                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                         "require": ["iss", "aud", "exp", "iat"]})
        except jwt.PyJWTError as error:
            raise Refused(f"JWT refused: {error}", 401, error="invalid_client") from None
        now = utcnow().timestamp()
        if claims["exp"] <= now:
            raise Refused("JWT expired", 401, error="invalid_client")
        if claims["iat"] > now + 60:
            raise Refused("JWT issued in the future", 401, error="invalid_client")
        return header, claims

    def _tool_message(self, message_type: str) -> tuple[dict, dict]:
        token = request.form.get("JWT", "")
        header, claims = self.verify_from_tool(token, audience=self.issuer)
        if claims.get("iss") != self.client_id:
            raise Refused(f"iss {claims.get('iss')!r} is not the tool's client id")
        if claims.get(LTI + "message_type") != message_type or claims.get(LTI + "version") != "1.3.0":
            raise Refused(f"not an {message_type} of LTI 1.3.0")
        if claims.get(LTI + "deployment_id") not in self.deployment_ids:
            raise Refused("unknown deployment_id")
        nonce = claims.get("nonce")
        with self._lock:
            if not nonce or nonce in self._nonces:
                raise Refused("nonce missing or used before")
            self._nonces.add(nonce)
        return header, claims

    def _bearer(self, *scopes: str) -> None:
        """The request's bearer token must be one this platform issued, alive, with one of `scopes`."""
        authorization = request.headers.get("Authorization", "")
        kind, _, value = authorization.partition(" ")
        granted = self.tokens.get(value) if kind.lower() == "bearer" else None
        if granted is None or granted[1] <= utcnow():
            raise Refused("no valid bearer token", 401)
        if not set(scopes) & granted[0]:
            raise Refused(f"the token lacks the scope {scopes[0]}", 403)

    def _fail_if_told(self, endpoint: str) -> None:
        queued = self._failures.get(endpoint)
        status = queued.pop(0) if queued else None
        if status:
            raise Refused(f"{endpoint}: told to fail", status)

    # The HTTP side ------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("lti_test_platform")
        platform = self

        @app.before_request
        def record():
            query = request.query_string.decode()
            platform.requests.append(f"{request.method} {request.path}" + (f"?{query}" if query else ""))

        @app.errorhandler(Refused)
        def refused(error: Refused):
            platform.refusals.append(f"{request.method} {request.path}: {error.reason}")
            if error.status >= 500 or error.status in (408, 429):
                return Response("", status=error.status)
            body = {"error": error.extra.get("error", "invalid_request"), "error_description": error.reason}
            response = Response(json.dumps(body), status=error.status, content_type="application/json")
            if error.status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response

        @app.get("/jwks")
        def jwks():
            return Response(json.dumps(platform.jwks()), content_type="application/json")

        @app.get("/start/<hint>")
        def start(hint):
            launch = platform.launches.get(hint)
            if launch is None:
                raise Refused("unknown launch", 404)
            fields = {"iss": platform.issuer, "login_hint": launch.login_hint,
                      "target_link_uri": launch.target_link_uri, "lti_message_hint": launch.id,
                      "client_id": platform.client_id, "lti_deployment_id": launch.deployment_id}
            if launch.initiation_method == "GET":
                return redirect(f"{platform.tool_login_url}?{urlencode(fields)}")
            return _html(auto_submit_form(platform.tool_login_url, fields))

        @app.get("/replay/<hint>")
        def replay(hint):
            """The id_token and state of a finished launch, POSTed again as an attacker would."""
            launch = platform.launches.get(hint)
            if launch is None or launch.id_token is None:
                raise Refused("no id_token to replay", 404)
            return _html(auto_submit_form(launch.redirect_uri, {"id_token": launch.id_token,
                                                                "state": launch.state}))

        @app.route("/auth", methods=["GET", "POST"])
        def auth():
            return platform._authorize(request.values)

        @app.post("/token")
        def token():
            platform._fail_if_told("token")
            form = request.form
            if form.get("grant_type") != "client_credentials":
                raise Refused("grant_type must be client_credentials", error="unsupported_grant_type")
            if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
                raise Refused("client_assertion_type must be jwt-bearer", error="invalid_request")
            _header, claims = platform.verify_from_tool(form.get("client_assertion", ""),
                                                        audience=platform.token_url)
            if claims.get("iss") != platform.client_id or claims.get("sub") != platform.client_id:
                raise Refused("the assertion's iss and sub must be the client id", 401, error="invalid_client")
            jti = claims.get("jti")
            with platform._lock:
                if not jti or jti in platform._jtis:
                    raise Refused("the assertion's jti is missing or used before", 401, error="invalid_client")
                platform._jtis.add(jti)
            granted = frozenset(form.get("scope", "").split()) & SCOPES
            if not granted:
                raise Refused("no scope this platform grants", error="invalid_scope")
            value = secrets.token_urlsafe(24)
            platform.tokens[value] = (granted, utcnow() + ACCESS_TOKEN_LIFETIME)
            return _json({"access_token": value, "token_type": "Bearer",
                          "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
                          "scope": " ".join(sorted(granted))})

        @app.route("/contexts/<context_id>/lineitems", methods=["GET", "POST"])
        def lineitems(context_id):
            platform._fail_if_told("lineitems")
            if request.method == "POST":
                platform._bearer(SCOPE_LINEITEM)
                if request.mimetype != LINEITEM_TYPE:
                    raise Refused(f"Content-Type must be {LINEITEM_TYPE}", 415)
                item = request.get_json(force=True, silent=True)
                if not isinstance(item, dict) or not item.get("label") \
                        or not isinstance(item.get("scoreMaximum"), (int, float)) or item["scoreMaximum"] <= 0:
                    raise Refused("a line item has a label and a scoreMaximum above 0")
                created = platform.add_line_item(
                    context_id, label=item["label"], score_maximum=item["scoreMaximum"],
                    resource_link_id=item.get("resourceLinkId"), resource_id=item.get("resourceId"),
                    tag=item.get("tag"))
                return _json(created, LINEITEM_TYPE, 201)
            platform._bearer(SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
            filters = {"resourceLinkId": request.args.get("resource_link_id"),
                       "resourceId": request.args.get("resource_id"), "tag": request.args.get("tag")}
            items = [{key: value for key, value in item.items() if key != "context_id"}
                     for item in platform.line_items.values() if item["context_id"] == context_id
                     and all(item.get(key) == value for key, value in filters.items() if value)]
            return platform._page(items, LINEITEMS_TYPE, lambda chunk: chunk)

        @app.get("/contexts/<context_id>/lineitems/<number>/lineitem")
        def lineitem(context_id, number):
            platform._fail_if_told("lineitem")
            platform._bearer(SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
            item = platform.line_items.get(number)
            if item is None or item["context_id"] != context_id:
                raise Refused("no such line item", 404)
            return _json({key: value for key, value in item.items() if key != "context_id"}, LINEITEM_TYPE)

        @app.post("/contexts/<context_id>/lineitems/<number>/lineitem/scores")
        def scores(context_id, number):
            platform._fail_if_told("scores")
            platform._bearer(SCOPE_SCORE)
            item = platform.line_items.get(number)
            if item is None or item["context_id"] != context_id or request.args.get("type_id") != "1":
                raise Refused("no such line item", 404)
            if request.mimetype != SCORE_TYPE:
                raise Refused(f"Content-Type must be {SCORE_TYPE}", 415)
            score = request.get_json(force=True, silent=True)
            platform._check_score(context_id, item["id"], score)
            with platform._lock:
                platform.scores.append(ReceivedScore(item["id"], score))
            return Response(status=204)

        @app.get("/contexts/<context_id>/memberships")
        def memberships(context_id):
            platform._fail_if_told("memberships")
            platform._bearer(SCOPE_MEMBERSHIPS)
            members = platform.rosters.get(context_id, [])
            if request.args.get("role"):
                members = [member for member in members
                           if any(role == request.args["role"] or role.endswith("#" + request.args["role"])
                                  for role in member["roles"])]
            context = {"id": context_id, "label": context_id.upper(), "title": context_id}
            return platform._page(members, MEMBERSHIPS_TYPE,
                                  lambda chunk: {"id": request.base_url, "context": context, "members": chunk})

        @app.get("/favicon.ico")
        def favicon():
            # A browser asks every page's site for one: an empty answer keeps its console free of 404s.
            return Response(status=204)

        @app.post("/deep_link_return")
        def deep_link_return():
            header, claims = platform._tool_message("LtiDeepLinkingResponse")
            launch = next((launch for launch in platform.launches.values()
                           if launch.deep_linking_data and launch.deep_linking_data == claims.get(DL + "data")),
                          None)
            if launch is None:
                raise Refused("the data claim echoes no deep linking request")
            items = claims.get(DL + "content_items")
            if not isinstance(items, list):
                raise Refused("content_items is not a list")
            platform.deep_linking_responses.append(ReceivedMessage(header, claims, launch))
            titles = "".join(f"<li>{escape(item.get('title', ''))}</li>" for item in items if isinstance(item, dict))
            return _html(f"<!doctype html><title>Added</title><h1>Added to the course</h1><ul>{titles}</ul>")

        @app.post("/start_assessment")
        def start_assessment():
            header, claims = platform._tool_message("LtiStartAssessment")
            launch = next((launch for launch in platform.launches.values() if launch.session_data
                           and launch.session_data == claims.get(AP + "session_data")), None)
            if launch is None:
                raise Refused("session_data echoes no LtiStartProctoring launch")
            if claims.get(AP + "attempt_number") != launch.attempt_number:
                raise Refused("attempt_number is not the launch's")
            if (claims.get(LTI + "resource_link") or {}).get("id") != launch.resource_link["id"]:
                raise Refused("resource_link is not the launch's")
            if claims.get(LTI + "deployment_id") != launch.deployment_id:
                raise Refused("deployment_id is not the launch's")
            verified = claims.get(AP + "verified_user", {})
            if "iss" in verified or "sub" in verified:
                raise Refused("verified_user may not carry iss or sub")
            with platform._lock:
                platform.started_assessments.append(ReceivedMessage(header, claims, launch))
                key = (launch.user.sub, launch.resource_link["id"], launch.attempt_number)
                platform.attempts.setdefault(key, Attempt(launch)).status = "running"
            return _html(f"<!doctype html><title>Assessment</title><h1>Assessment started</h1>"
                         f"<p>Attempt {launch.attempt_number} of {escape(launch.resource_link['title'])}</p>")

        @app.post("/acs")
        def acs():
            platform._fail_if_told("acs")
            platform._bearer(SCOPE_CONTROL)
            if request.mimetype != CONTROL_TYPE:
                raise Refused(f"Content-Type must be {CONTROL_TYPE}", 415)
            body = request.get_json(force=True, silent=True)
            answer = platform._control(body)
            platform.acs_requests.append(AcsReceived(body, answer))
            return _json(answer)

        return app

    def _page(self, rows: list, content_type: str, shape) -> Response:
        """One page of `rows` (`limit` and `page` in the query), with Link rel="next" to the next one."""
        try:
            limit = int(request.args.get("limit", self.page_size))
            number = int(request.args.get("page", 1))
        except ValueError:
            raise Refused("limit and page are whole numbers") from None
        if limit < 1 or number < 1:
            raise Refused("limit and page are 1 or more")
        chunk = rows[(number - 1) * limit:number * limit]
        response = _json(shape(chunk), content_type)
        if number * limit < len(rows):
            query = {**request.args.to_dict(), "limit": limit, "page": number + 1}
            response.headers["Link"] = f'<{request.base_url}?{urlencode(query)}>; rel="next"'
        return response

    def _check_score(self, context_id: str, lineitem_id: str, score) -> None:
        if not isinstance(score, dict):
            raise Refused("a score is a JSON object")
        for name in ("userId", "activityProgress", "gradingProgress", "timestamp"):
            if not score.get(name):
                raise Refused(f"a score needs {name}")
        if ("scoreGiven" in score) != ("scoreMaximum" in score):
            raise Refused("scoreGiven goes with scoreMaximum")
        if score["userId"] not in {member["user_id"] for member in self.rosters.get(context_id, [])}:
            raise Refused("userId is not a member of the course", 404)
        try:
            moment = datetime.fromisoformat(score["timestamp"])
        except ValueError:
            raise Refused("timestamp is not ISO 8601") from None
        if moment.tzinfo is None:
            raise Refused("timestamp has no time zone")
        for earlier in self.scores:
            if earlier.lineitem_id == lineitem_id and earlier.score["userId"] == score["userId"] \
                    and datetime.fromisoformat(earlier.score["timestamp"]) >= moment:
                raise Refused("a score as new or newer is already recorded", 409)

    def _control(self, body) -> dict:
        """Act on an Assessment Control Service request as an assessment platform does."""
        if not isinstance(body, dict):
            raise Refused("an ACS request is a JSON object")
        try:
            key = (body["user"]["sub"], body["resource_link"]["id"], body["attempt_number"])
            action = body["action"]
            datetime.fromisoformat(body["incident_time"])
        except (KeyError, TypeError, ValueError):
            raise Refused("an ACS request has user.sub, resource_link.id, attempt_number, action and "
                          "an ISO 8601 incident_time") from None
        attempt = self.attempts.get(key)
        if attempt is None:
            raise Refused("no such attempt", 404)
        if action not in attempt.launch.acs_actions:
            raise Refused(f"action {action!r} is not offered")
        if body["user"].get("iss", self.issuer) != self.issuer:
            raise Refused("user.iss is not this platform")
        severity = body.get("incident_severity")
        if isinstance(severity, bool) or not isinstance(severity, (int, float)) or not 0 <= severity <= 1:
            raise Refused("incident_severity is a number from 0 to 1")
        with self._lock:
            if attempt.status not in ("terminated", "complete"):
                if action == "pause":
                    attempt.status = "paused"
                elif action == "resume":
                    attempt.status = "running"
                elif action == "terminate":
                    attempt.status = "terminated"
                elif action == "update":
                    extra = body.get("extra_time")
                    if not isinstance(extra, int) or extra <= 0:
                        raise Refused("an update carries a positive extra_time")
                    attempt.extra_time += extra
                elif action == "flag":
                    attempt.flags.append(body)
            answer = {"status": attempt.status}
            if attempt.extra_time:
                answer["extra_time"] = attempt.extra_time
        return answer

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _html(text: str) -> Response:
    return Response(text, content_type="text/html; charset=utf-8")


def _json(value, content_type: str = "application/json", status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, content_type=content_type)
