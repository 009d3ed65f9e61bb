"""The test LTI platform drives a real browser through an LTI 1.3 launch: its launch page, the tool's
login initiation, its authorization endpoint and the form post of the id_token to the tool, in Chromium.

The tool here is the least a tool does in the browser flow (redirect to the authorization endpoint with
a state cookie and a nonce, receive the form post), so that the platform's pages are proven on their own;
Proctora's own launch is tested against the same platform where it lives."""
from __future__ import annotations

import secrets
import threading
from urllib.parse import urlencode

import jwt
import pytest
from flask import Flask, redirect, request
from werkzeug.serving import make_server

from tests.lti import platform as lms
from tests.lti.platform import LtiPlatform, PlatformUser, Tampering
from tests.lti.tool_side import ToolKeys
from webapp.lti import proctoring

pytestmark = pytest.mark.e2e


class BrowserTool:
    def __init__(self, platform, keys: ToolKeys):
        self.nonces: dict[str, str] = {}
        self.received: list[dict] = []
        app = Flask("lti_browser_tool")

        @app.route("/login", methods=["GET", "POST"])
        def login():
            params = request.values
            assert params["iss"] == platform.issuer and params["client_id"] == platform.client_id
            state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
            self.nonces[state] = nonce
            query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                     "prompt": "none", "client_id": params["client_id"], "redirect_uri": self.launch_url,
                     "login_hint": params["login_hint"], "lti_message_hint": params["lti_message_hint"],
                     "state": state, "nonce": nonce}
            response = redirect(f"{platform.auth_url}?{urlencode(query)}")
            response.set_cookie("lti_state", state, httponly=True, samesite="Lax")
            return response

        @app.post("/launch")
        def launch():
            self.received.append({"state": request.form["state"], "id_token": request.form["id_token"],
                                  "cookie": request.cookies.get("lti_state")})
            claims = jwt.decode(request.form["id_token"], options={"verify_signature": False})
            if claims[lms.LTI + "message_type"] == lms.START_PROCTORING:
                # The candidate passed the checks at once: straight back to the platform's assessment.
                start = proctoring.parse_start_proctoring(claims)
                message = proctoring.start_assessment_message(
                    start, client_id=platform.client_id, platform_issuer=platform.issuer,
                    private_key_pem=keys.private_key_pem, kid=keys.kid)
                return lms.auto_submit_form(start.start_assessment_url, {"JWT": message})
            return "<!doctype html><title>Tool</title><h1>Launched</h1>"

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{self._server.server_port}"
        self.login_url, self.launch_url = base + "/login", base + "/launch"

    def close(self):
        self._server.shutdown()


@pytest.fixture
def platform():
    lms_under_test = LtiPlatform()
    yield lms_under_test
    lms_under_test.close()


@pytest.fixture
def tool(platform):
    keys = ToolKeys()
    served = BrowserTool(platform, keys)
    platform.register_tool(login_url=served.login_url, redirect_uris=[served.launch_url], jwks_url=keys.jwks_url)
    yield served
    served.close()
    keys.close()


@pytest.fixture
def tab(browser):
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_launch_runs_through_the_browser_to_the_tool(platform, tool, tab, method):
    ann = PlatformUser(sub="user-ann")
    launch = platform.launch(ann, initiation_method=method, custom={"exam": "7"})
    tab.goto(launch.start_url)
    tab.get_by_role("heading", name="Launched").wait_for()

    [received] = tool.received
    assert received["cookie"] == received["state"]   # the browser came back with the tool's state
    key = jwt.PyJWKClient(platform.jwks_url).get_signing_key_from_jwt(received["id_token"]).key
    claims = jwt.decode(received["id_token"], key, algorithms=["RS256"], audience=platform.client_id)
    assert claims["nonce"] == tool.nonces[received["state"]] and claims["sub"] == "user-ann"
    assert claims[lms.LTI + "custom"] == {"exam": "7"}
    assert platform.refusals == []

    # The replay page posts the very same id_token and state again.
    tab.goto(launch.replay_url)
    tab.get_by_role("heading", name="Launched").wait_for()
    assert tool.received[1] == received


def test_a_tampered_launch_still_reaches_the_tool_for_it_to_refuse(platform, tool, tab):
    launch = platform.launch(PlatformUser(sub="user-ann"), tampering=Tampering(wrong_key=True))
    tab.goto(launch.start_url)
    tab.get_by_role("heading", name="Launched").wait_for()
    key = jwt.PyJWKClient(platform.jwks_url).get_signing_key_from_jwt(tool.received[0]["id_token"]).key
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tool.received[0]["id_token"], key, algorithms=["RS256"], audience=platform.client_id)


def test_the_proctoring_round_trip_runs_through_the_browser(platform, tool, tab):
    launch = platform.launch(PlatformUser(sub="user-ann"), message_type=lms.START_PROCTORING, attempt_number=2)
    tab.goto(launch.start_url)
    tab.get_by_role("heading", name="Assessment started").wait_for()
    assert tab.get_by_text("Attempt 2 of Final exam").is_visible()
    [started] = platform.started_assessments
    assert started.launch is launch and started.claims[lms.AP + "session_data"] == launch.session_data
    assert platform.attempt(launch).status == "running" and platform.refusals == []
