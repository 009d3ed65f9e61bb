"""The tool's side of the tests that exercise the platform without Proctora's launch: the tool's keys with
their JWKS served over HTTP, and the OIDC login a tool does (read the login initiation, ask the platform's
authorization endpoint) over real HTTP."""
from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

from bs4 import BeautifulSoup
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.http_receiver import GetServer
from tests.lti.platform import Launch, LtiPlatform, public_jwk


class ToolKeys:
    """The tool's signing keys and its JWKS endpoint (GET `jwks_url`); `rotate` signs with a new kid."""

    def __init__(self):
        self._keys: dict[str, rsa.RSAPrivateKey] = {}
        self.kid = ""
        self.rotate()
        self._server = GetServer(lambda path: ("application/json", json.dumps(
            {"keys": [public_jwk(key, kid) for kid, key in self._keys.items()]}).encode()))
        self.jwks_url = self._server.url("/jwks")

    def rotate(self) -> str:
        self.kid = f"tool-{uuid.uuid4().hex[:12]}"
        self._keys[self.kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self.kid

    @property
    def private_key_pem(self) -> str:
        return self._keys[self.kid].private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()

    def close(self) -> None:
        self._server.close()



class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def fetch(url: str, data: dict | None = None) -> tuple[int, dict, str]:
    """GET (or POST a form to) `url` without following redirects: status, headers, text."""
    body = urlencode(data).encode() if data is not None else None
    try:
        with _opener.open(urllib.request.Request(url, data=body), timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


def read_form(html: str) -> tuple[str, dict]:
    """The action and fields of the page's self-submitting form."""
    form = BeautifulSoup(html, "html.parser").find("form")
    return form["action"], {field["name"]: field["value"] for field in form.find_all("input")}


def login_initiation(launch: Launch) -> tuple[str, dict]:
    """What the platform's launch page sends to the tool's login initiation URL: URL and parameters."""
    status, headers, html = fetch(launch.start_url)
    if status == 302:
        location = urlsplit(headers["Location"])
        return location._replace(query="").geturl(), dict(parse_qsl(location.query))
    assert status == 200, html
    return read_form(html)


def authorize(platform: LtiPlatform, launch: Launch, **changes) -> tuple[int, str]:
    """Log in as the tool does after the login initiation: the authentication request to the platform
    (with `changes` to its parameters); the platform's status and page."""
    _url, initiation = login_initiation(launch)
    params = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
              "client_id": initiation["client_id"], "redirect_uri": platform.tool_redirect_uris[0],
              "login_hint": initiation["login_hint"], "lti_message_hint": initiation["lti_message_hint"],
              "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8)}
    params.update(changes)
    params = {name: value for name, value in params.items() if value is not None}
    status, _headers, html = fetch(f"{platform.auth_url}?{urlencode(params)}")
    return status, html


def id_token(platform: LtiPlatform, launch: Launch) -> str:
    status, html = authorize(platform, launch)
    assert status == 200, html
    return read_form(html)[1]["id_token"]
