"""Mettl's request signing (spec section 10): every request carries `ak`, `ts` and `asgn`, where

    asgn = URLENCODE(BASE64(HMAC-SHA1(VERB + URL + "\\n" + values of the other parameters sorted by
                                      their names and joined by "\\n", private key)))

and URL is the full URL without the query string. Clients in the wild differ in details that do not
weaken the signature, so several readings of one request are tried, each compared in constant time:
the URL with http or https (behind a proxy the app may see http when the client used https), with or
without a trailing slash, with its path as sent or percent-encoded; `asgn` decoded once or twice, or
with its `+` turned into a space by a client that did not encode it. A request is accepted only if
one reading matches exactly.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
from urllib.parse import quote, unquote, urlencode

from flask import Request, request

from webapp.accounts.credentials import (AuthenticationFailed, credential_for_access_key, private_key,
                                 spend_signature)
from webapp.accounts.models import ApiCredential
from webapp.core.clock import utcnow

MAX_CLOCK_SKEW = 24 * 3600
AUTH_PARAMETERS = ("ak", "ts", "asgn")


class InvalidTimestamp(AuthenticationFailed):
    code = "E504"


def signature(key: str, verb: str, url: str, parameters: list[tuple[str, str]]) -> str:
    """BASE64(HMAC-SHA1(...)) of a request; `parameters` are every (name, value) but `asgn`."""
    values = [value for _, value in sorted(parameters, key=lambda parameter: parameter[0])]
    message = verb.upper() + url + "\n" + "\n".join(values)
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha1).digest()).decode()


def _parameters(incoming: Request) -> list[tuple[str, str]]:
    """Query string and form fields (files excluded, as the spec says), without `asgn`."""
    return [(name, value) for source in (incoming.args, incoming.form)
            for name, value in source.items(multi=True) if name != "asgn"]


def _urls(incoming: Request) -> list[str]:
    path = incoming.path.rstrip("/") or "/"
    paths = {path, path + "/", quote(path, safe="/"), quote(path, safe="/") + "/"}
    return [f"{scheme}://{incoming.host}{variant}" for scheme in ("https", "http") for variant in sorted(paths)]


def _received(asgn: str) -> set[str]:
    return {asgn, unquote(asgn), asgn.replace(" ", "+")}


def _check_timestamp(ts: str) -> None:
    try:
        stamp = float(ts)
    except ValueError:
        raise InvalidTimestamp("Invalid Timestamp: send ts as UNIX seconds (UTC).") from None
    if not math.isfinite(stamp) or abs(utcnow().timestamp() - stamp) > MAX_CLOCK_SKEW:
        raise InvalidTimestamp("Invalid Timestamp: ts is more than a day away from the server's clock.")


def authenticate(incoming: Request) -> ApiCredential:
    """The credential that signed the request, after checking in Mettl's order: the timestamp
    (E504), the signature (E401), then that the signature was not used before (E422)."""
    ak, ts, asgn = (incoming.values.get(name, "") for name in AUTH_PARAMETERS)
    if not (ak and ts and asgn):
        raise AuthenticationFailed("Authentication failed: send ak, ts and asgn.")
    _check_timestamp(ts)
    credential = credential_for_access_key(ak)
    if credential is None:
        raise AuthenticationFailed("Authentication failed/Signature mismatch")
    key, parameters, received = private_key(credential), _parameters(incoming), _received(asgn)
    for url in _urls(incoming):
        expected = signature(key, incoming.method, url, parameters)
        # Every candidate is compared, so the time taken does not depend on which one matched.
        if sum(hmac.compare_digest(expected, candidate) for candidate in received):
            spend_signature(expected)
            return credential
    raise AuthenticationFailed("Authentication failed/Signature mismatch")


def signed_url(credential: ApiCredential, url: str, parameters: dict[str, str]) -> str:
    """A GET link signed afresh with the credential, ready to follow once (the paging links)."""
    parameters = {**parameters, "ak": credential.access_key, "ts": f"{utcnow().timestamp():.6f}"}
    parameters["asgn"] = signature(private_key(credential), "GET", url, list(parameters.items()))
    return f"{url}?{urlencode(sorted(parameters.items()))}"


def rate_limit_key() -> str:
    """Requests are counted per access key; unsigned ones per address."""
    return "mettl:" + (request.values.get("ak") or request.remote_addr or "unknown")
