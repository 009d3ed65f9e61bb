"""Calls to a learning platform's LTI services through the outbox: a score for a line item (AGS), a proctor's
action (Assessment Control Service). Queued with `notifications.services.queue_platform_call` in the
transaction that decided them; `deliver_platform_call` sends one from the worker with a bearer token got
by the tool's signed assertion (kept per process in `TOKENS`)."""
from __future__ import annotations

import json
from collections.abc import Callable

from webapp.core import secrets_box
from webapp.core.extensions import db
from webapp.lti.advantage import (TIMEOUT, AccessToken, LtiServiceRefused, TokenCache, TokenRejected, call_service,
                                   json_object)
from webapp.lti.keys import signing_key
from webapp.lti.models import LtiPlatform
from webapp.notifications.worker import ClaimedMessage, Delivered

TOKENS = TokenCache()


def platform_token(platform: LtiPlatform, scopes) -> tuple[AccessToken, Callable[[], None]]:
    """A bearer token for `scopes` from the platform's token endpoint (reused while usable), and what drops
    it when a service rejects it (TokenRejected). Commits first: the first key may just have been made, and
    no transaction is held while the platform answers."""
    if not platform.token_url:
        raise LtiServiceRefused(f"The learning platform {platform.name} has no token URL")
    key = signing_key()
    token_url, client_id = platform.token_url, platform.client_id
    private_key_pem, kid = secrets_box.decrypt(key.private_key_encrypted), key.kid
    db.session.commit()
    token = TOKENS.token(token_url=token_url, client_id=client_id, private_key_pem=private_key_pem, kid=kid,
                         scopes=scopes)
    return token, lambda: TOKENS.forget(token_url=token_url, client_id=client_id, scopes=scopes)


def deliver_platform_call(message: ClaimedMessage) -> Delivered:
    """POST the stored body to the platform's service and return its status with its JSON answer (None when
    it answered nothing). A 401 drops the cached token, so that the retry asks for a new one."""
    payload = message.payload
    platform = db.session.get(LtiPlatform, payload["platform_id"])
    if platform is None or platform.institute_id != message.institute_id:
        raise LtiServiceRefused("The learning platform is no longer registered")
    token, forget = platform_token(platform, payload["scopes"])
    url = payload["url"]
    try:
        status, _headers, body = call_service(
            "POST", url, token=token, body=json.dumps(payload["body"]).encode(),
            headers={"Content-Type": payload["content_type"], "Accept": "application/json"}, timeout=TIMEOUT)
    except TokenRejected:
        forget()
        raise
    return Delivered(status, json_object(body, url) if body.strip() else None)
