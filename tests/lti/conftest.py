"""The LTI counterparts on 127.0.0.1: a platform (tests/lti/platform.py) and the tool's keys with their JWKS
served over HTTP, as the tool publishes them; and a platform's signing side alone (tests/lti/key_server.py),
registered in Proctora, for the launch's checks."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.lti.key_server import KeyServer
from tests.lti.platform import LtiPlatform
from tests.lti.tool_side import ToolKeys
from webapp.core.extensions import db
from webapp.lti.calls import TOKENS
from webapp.lti.keys import published_keys
from webapp.lti.platforms import PlatformInput, add_platform


@pytest.fixture
def tool_keys():
    keys = ToolKeys()
    yield keys
    keys.close()


@pytest.fixture
def platform(tool_keys):
    """A platform with the tool registered (its login and launch URLs are where a test's tool listens)."""
    lms = LtiPlatform()
    lms.register_tool(login_url="http://proctora.localhost/lti/login",
                      redirect_uris=["http://proctora.localhost/lti/launch"], jwks_url=tool_keys.jwks_url)
    yield lms
    lms.close()


@pytest.fixture
def registered(admin, platform):
    """The test platform registered for the admin's institute, knowing the tool's published keys."""
    registration = add_platform(admin, PlatformInput(
        name="Test LMS", issuer=platform.issuer, client_id=platform.client_id, auth_login_url=platform.auth_url,
        jwks_url=platform.jwks_url, token_url=platform.token_url, deployment_ids=(platform.deployment_id,)))
    platform.register_tool(login_url="http://proctora.localhost/lti/login",
                           redirect_uris=["http://proctora.localhost/lti/launch"], jwks=published_keys())
    db.session.commit()
    yield registration
    TOKENS._tokens.clear()


@pytest.fixture
def key_server():
    server = KeyServer()
    yield server
    server.close()


@pytest.fixture
def registration(admin, key_server):
    """The key server's platform registered for the admin's institute."""
    registered = add_platform(admin, PlatformInput(
        name="Campus Moodle", issuer=key_server.issuer, client_id=key_server.client_id,
        auth_login_url="https://lms.example.edu/mod/lti/auth.php", jwks_url=key_server.jwks_url,
        token_url="https://lms.example.edu/mod/lti/token.php", deployment_ids=(key_server.deployment_id,)))
    db.session.commit()
    return registered


def log_in_from(client, server: KeyServer) -> dict:
    """The platform's login initiation; returns the authentication request's parameters (state, nonce, ...)."""
    response = client.post("/lti/login", data={
        "iss": server.issuer, "login_hint": "hint-1", "target_link_uri": "http://proctora.localhost/lti/launch",
        "client_id": server.client_id, "lti_deployment_id": server.deployment_id, "lti_message_hint": "msg-1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://lms.example.edu/mod/lti/auth.php"
    return {name: values[0] for name, values in parse_qs(location.query).items()}


def launch(client, server: KeyServer, **claims):
    """Login, then the launch with an id_token carrying `claims` (signed by the platform's current key)."""
    request = log_in_from(client, server)
    token = server.id_token(claims.pop("nonce", request["nonce"]), **claims)
    return client.post("/lti/launch", data={"id_token": token, "state": request["state"]})
