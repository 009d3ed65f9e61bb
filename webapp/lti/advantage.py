"""LTI Advantage services as the tool calls them: an OAuth2 access token got with a signed client assertion
(RFC 7523, as the 1EdTech Security Framework 1.0 demands), Assignment and Grade Services 2.0 (line items,
scores) and Names and Role Provisioning Services 2.0 (the course roster, page by page).

Pure protocol: no database and no Flask request. Callers pass plain values (the tool's private key and
its kid, the client id the platform gave, the platform's URLs) and run these calls from the outbox
worker: a failure raises `LtiServiceFailure` (the worker retries it) or `LtiServiceRefused` (trying
again cannot help)."""
from __future__ import annotations

import hashlib
import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

import jwt

from webapp.core.clock import utcnow
from webapp.notifications.worker import RETRYABLE_CLIENT_ERRORS, DeliveryFailure, PermanentFailure, error_answer

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")

TIMEOUT = 10            # seconds for each network wait
ASSERTION_LIFETIME = timedelta(minutes=5)
# A token is used only while this much of its life is left, so that it does not expire on the way.
TOKEN_MARGIN = timedelta(seconds=30)
USER_AGENT = "Proctora-LTI/1"
MAX_ANSWER_BYTES = 10_000_000  # a page of a large course's roster fits; a platform gone wrong does not
MAX_MEMBER_PAGES = 1000  # a platform whose "next" never ends must not hold a worker for ever


class LtiServiceFailure(DeliveryFailure):
    """The platform's service could not be reached or failed (timeout, 5xx, 408, 429, a rejected token);
    trying again later may help."""


class LtiServiceRefused(PermanentFailure):
    """The platform refused the request for good (4xx other than 408 and 429, an answer that is not the
    JSON the standard describes): sending the same request again cannot help."""


class TokenRejected(LtiServiceFailure):
    """The service answered 401 to the bearer token: the caller drops its cached token and retries."""


@dataclass(frozen=True)
class AccessToken:
    value: str
    scopes: frozenset[str]
    expires_at: datetime

    def usable(self, scopes: set[str] | frozenset[str], at: datetime | None = None) -> bool:
        return scopes <= self.scopes and (at or utcnow()) + TOKEN_MARGIN < self.expires_at


def token_cache_key(token_url: str, client_id: str, scopes) -> str:
    """One cached token per platform token endpoint, client and set of scopes (order does not matter)."""
    text = "\n".join([token_url, client_id, *sorted(set(scopes))])
    return "lti-token:" + hashlib.sha256(text.encode()).hexdigest()


def client_assertion(*, client_id: str, token_url: str, private_key_pem: str, kid: str,
                     now: datetime | None = None) -> str:
    """The JWT with which the tool authenticates at the token endpoint: issued by and about the client
    itself, for the token endpoint, short-lived and never used twice (a fresh jti)."""
    issued = now or utcnow()
    claims = {
        "iss": client_id, "sub": client_id, "aud": token_url,
        "iat": int(issued.timestamp()), "exp": int((issued + ASSERTION_LIFETIME).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_key_pem, algorithm="RS256", headers={"kid": kid})


def request_access_token(*, token_url: str, client_id: str, private_key_pem: str, kid: str, scopes,
                         timeout: float = TIMEOUT) -> AccessToken:
    """Exchange a client assertion for a bearer token for `scopes` (OAuth2 client_credentials)."""
    asked = sorted(set(scopes))
    issued = utcnow()
    body = urlencode({
        "grant_type": "client_credentials",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(client_id=client_id, token_url=token_url,
                                             private_key_pem=private_key_pem, kid=kid, now=issued),
        "scope": " ".join(asked),
    }).encode()
    status, headers, answer = call_service("POST", token_url, body=body, timeout=timeout, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    token = _json(answer, token_url)
    if not isinstance(token, dict) or not isinstance(token.get("access_token"), str) \
            or str(token.get("token_type", "")).lower() != "bearer":
        raise LtiServiceRefused(f"The token endpoint {token_url} answered no bearer token")
    # A platform may grant fewer scopes than asked; without a `scope` it granted those asked (RFC 6749 5.1).
    granted = frozenset(str(token["scope"]).split()) if token.get("scope") else frozenset(asked)
    try:
        lifetime = int(token.get("expires_in", 3600))
    except (TypeError, ValueError):
        raise LtiServiceRefused(f"The token endpoint {token_url} answered an expires_in that is no number") \
            from None
    return AccessToken(token["access_token"], granted, issued + timedelta(seconds=lifetime))


class TokenCache:
    """Bearer tokens kept in this process and reused while usable, one per `token_cache_key`: a worker
    posting a batch of scores asks the platform for one token, not one per score."""

    def __init__(self):
        self._tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()

    def token(self, *, token_url: str, client_id: str, private_key_pem: str, kid: str, scopes,
              timeout: float = TIMEOUT) -> AccessToken:
        key = token_cache_key(token_url, client_id, scopes)
        with self._lock:
            cached = self._tokens.get(key)
        if cached is not None and cached.usable(frozenset(scopes)):
            return cached
        fresh = request_access_token(token_url=token_url, client_id=client_id, private_key_pem=private_key_pem,
                                     kid=kid, scopes=scopes, timeout=timeout)
        with self._lock:
            self._tokens[key] = fresh
        return fresh

    def forget(self, *, token_url: str, client_id: str, scopes) -> None:
        """Drop the token a service rejected (TokenRejected), so that the next call asks for a new one."""
        with self._lock:
            self._tokens.pop(token_cache_key(token_url, client_id, scopes), None)


# Assignment and Grade Services ------------------------------------------------------------------

def build_score(*, user_id: str, score_given: float | None, score_maximum: float | None,
                activity_progress: str, grading_progress: str, timestamp: datetime | None = None,
                comment: str | None = None) -> dict:
    """A score (AGS 2.0, application/vnd.ims.lis.v1.score+json). The timestamp (the tool's clock by
    default) lets the platform ignore a score older than one it already holds."""
    if activity_progress not in ACTIVITY_PROGRESS:
        raise ValueError(f"activityProgress must be one of {', '.join(ACTIVITY_PROGRESS)}")
    if grading_progress not in GRADING_PROGRESS:
        raise ValueError(f"gradingProgress must be one of {', '.join(GRADING_PROGRESS)}")
    if (score_given is None) != (score_maximum is None):
        raise ValueError("scoreGiven and scoreMaximum go together")
    if score_given is not None and (score_given < 0 or score_maximum <= 0):
        raise ValueError("scoreGiven must be 0 or more and scoreMaximum more than 0")
    moment = timestamp or utcnow()
    if moment.tzinfo is None:
        raise ValueError("the timestamp must carry its time zone")
    score = {
        "userId": user_id,
        "activityProgress": activity_progress,
        "gradingProgress": grading_progress,
        "timestamp": moment.isoformat(timespec="milliseconds"),
    }
    if score_given is not None:
        score["scoreGiven"] = score_given
        score["scoreMaximum"] = score_maximum
    if comment:
        score["comment"] = comment
    return score


def scores_url(lineitem_url: str) -> str:
    """The line item's scores endpoint: `/scores` added to its path, its query kept (AGS 2.0, 3.4)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def post_score(lineitem_url: str, token: AccessToken, score: dict, *, timeout: float = TIMEOUT) -> int:
    """POST the score to the line item and return the platform's HTTP status."""
    status, _headers, _body = call_service("POST", scores_url(lineitem_url), token=token, timeout=timeout,
                                    body=json.dumps(score).encode(), headers={"Content-Type": SCORE_TYPE})
    return status


def get_line_item(lineitem_url: str, token: AccessToken, *, timeout: float = TIMEOUT) -> dict:
    _status, _headers, body = call_service("GET", lineitem_url, token=token, timeout=timeout,
                                    headers={"Accept": LINEITEM_TYPE})
    return json_object(body, lineitem_url)


def find_line_items(lineitems_url: str, token: AccessToken, *, resource_link_id: str | None = None,
                    resource_id: str | None = None, tag: str | None = None,
                    timeout: float = TIMEOUT) -> list[dict]:
    """The context's line items, filtered as AGS 2.0 allows; every page, following Link rel="next"."""
    filters = {key: value for key, value in (("resource_link_id", resource_link_id),
                                             ("resource_id", resource_id), ("tag", tag)) if value}
    items = []
    for body in _pages(_with_query(lineitems_url, filters), token, LINEITEMS_TYPE, timeout):
        if not isinstance(body, list):
            raise LtiServiceRefused(f"{lineitems_url} answered no list of line items")
        items.extend(body)
    return items


def create_line_item(lineitems_url: str, token: AccessToken, *, label: str, score_maximum: float,
                     resource_link_id: str | None = None, resource_id: str | None = None,
                     tag: str | None = None, timeout: float = TIMEOUT) -> dict:
    """Create a line item and return it as the platform stored it (with its `id`, the line item URL)."""
    item = {"label": label, "scoreMaximum": score_maximum}
    item.update({key: value for key, value in (("resourceLinkId", resource_link_id),
                                               ("resourceId", resource_id), ("tag", tag)) if value})
    _status, _headers, body = call_service("POST", lineitems_url, token=token, timeout=timeout,
                                    body=json.dumps(item).encode(),
                                    headers={"Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE})
    created = json_object(body, lineitems_url)
    if not isinstance(created.get("id"), str):
        raise LtiServiceRefused(f"{lineitems_url} created a line item without an id")
    return created


# Names and Role Provisioning Services -----------------------------------------------------------

def fetch_members(memberships_url: str, token: AccessToken, *, resource_link_id: str | None = None,
                  role: str | None = None, timeout: float = TIMEOUT) -> list[dict]:
    """Every member of the context (or of the resource link), following Link rel="next" to the last page."""
    filters = {key: value for key, value in (("rlid", resource_link_id), ("role", role)) if value}
    members = []
    for body in _pages(_with_query(memberships_url, filters), token, MEMBERSHIPS_TYPE, timeout):
        if not isinstance(body, dict) or not isinstance(body.get("members"), list):
            raise LtiServiceRefused(f"{memberships_url} answered no membership container")
        members.extend(body["members"])
    return members


# HTTP ---------------------------------------------------------------------------------------------

class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the bearer token elsewhere: it stays an answer (an HTTPError)."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)
_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')


def next_page(link_header: str | None) -> str | None:
    """The URL of the Link header's rel="next", if any (RFC 8288)."""
    for match in _LINK.finditer(link_header or ""):
        params = [param.strip() for param in match.group(2).split(";") if param.strip()]
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "rel" and "next" in value.strip().strip('"').lower().split():
                return match.group(1)
    return None


def _pages(url: str, token: AccessToken, accept: str, timeout: float):
    seen: set[str] = set()
    while url and len(seen) < MAX_MEMBER_PAGES:
        if url in seen:
            raise LtiServiceRefused(f"The page {url} links back to itself")
        seen.add(url)
        _status, headers, body = call_service("GET", url, token=token, timeout=timeout, headers={"Accept": accept})
        yield _json(body, url)
        url = next_page(", ".join(headers.get_all("Link") or []))
    if url:
        raise LtiServiceRefused(f"More than {MAX_MEMBER_PAGES} pages from {url}")


def _with_query(url: str, params: dict) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


def call_service(method: str, url: str, *, token: AccessToken | None = None, body: bytes | None = None,
          headers: dict, timeout: float):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LtiServiceRefused(f"Not an http:// or https:// URL: {url!r}")
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"User-Agent": USER_AGENT, **headers})
    if token is not None:
        request.add_header("Authorization", f"Bearer {token.value}")
    try:
        with _opener.open(request, timeout=timeout) as response:
            answer = response.read(MAX_ANSWER_BYTES + 1)
            if len(answer) > MAX_ANSWER_BYTES:
                raise LtiServiceRefused(f"{method} {url}: the answer is over {MAX_ANSWER_BYTES} bytes")
            return response.status, response.headers, answer
    except urllib.error.HTTPError as error:
        raise _http_failure(method, url, error) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LtiServiceFailure(f"{method} {url}: {reason}") from None


def _http_failure(method: str, url: str, error: urllib.error.HTTPError) -> DeliveryFailure:
    answer = error_answer(error)
    code = error.code
    description = f"{method} {url}: HTTP {code} {error.reason}" + (f": {answer}" if answer else "")
    if code == 401:
        return TokenRejected(description, code)
    if 400 <= code < 500 and code not in RETRYABLE_CLIENT_ERRORS or 300 <= code < 400:
        return LtiServiceRefused(description, code)
    return LtiServiceFailure(description, code)


def _json(body: bytes, url: str):
    try:
        return json.loads(body)
    except ValueError:
        raise LtiServiceRefused(f"{url} answered something that is not JSON") from None


def json_object(body: bytes, url: str) -> dict:
    value = _json(body, url)
    if not isinstance(value, dict):
        raise LtiServiceRefused(f"{url} answered no JSON object")
    return value
