"""Clients for both API dialects, written here without the app's signing code: the Mettl client signs
requests as section 10 of the spec says, the EURO PRUEFSTER client sends the token header. Every JSON
answer either client receives is checked against the dialect's own OpenAPI document."""
from __future__ import annotations

import base64
import io
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import jsonschema_rs
import pytest

from webapp import create_app
from webapp.accounts.credentials import issue_credential
from webapp.core.extensions import db, limiter
from webapp.core.permissions import Role

HOST = "localhost"


@dataclass
class Credential:
    institute_id: int
    ak: str
    private_key: str
    euro_token: str


def make_credential(institute_id: int, role: Role = Role.ADMIN) -> Credential:
    _, issued = issue_credential(institute_id, role=role, name=f"{role.value} test credential")
    db.session.commit()
    return Credential(institute_id, issued.access_key, issued.private_key, issued.euro_token)


def mettl_signature(private_key: str, verb: str, url: str, parameters: dict) -> str:
    """Section 10.2: VERB + URL + "\\n" + the values sorted by parameter name, joined by "\\n"."""
    values = [str(parameters[name]) for name in sorted(parameters)]
    message = verb + url + "\n" + "\n".join(values)
    return base64.b64encode(hmac.new(private_key.encode(), message.encode(), hashlib.sha1).digest()).decode()


class ContractChecker:
    """Checks an answer against the OpenAPI document of its dialect: the operation's schema for that
    status (or its default)."""

    def __init__(self, client, document_path: str):
        self.document = client.get(document_path).get_json()
        self.templates = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
                          for path in self.document["paths"]]

    def operation(self, method: str, path: str) -> dict | None:
        path = path.split("?")[0].rstrip("/") or "/"
        for pattern, template in self.templates:
            if pattern.match(path) and method.lower() in self.document["paths"][template]:
                return self.document["paths"][template][method.lower()]
        return None

    def check(self, method: str, path: str, response) -> None:
        operation = self.operation(method, path)
        if operation is None:
            return
        documented = operation["responses"].get(str(response.status_code)) or operation["responses"]["default"]
        if "content" not in documented:
            assert not response.data, f"{method} {path}: {response.status_code} should have no body"
            return
        schema = documented["content"]["application/json"]["schema"]
        validator = jsonschema_rs.validator_for({"components": self.document["components"], **schema})
        body = response.get_json()
        errors = [str(error) for error in validator.iter_errors(body)]
        assert not errors, f"{method} {path} answered {response.status_code} off its contract: {errors[0]}\n{body}"


class MettlClient:
    """Signs and sends Mettl requests. Options mirror what clients in the wild do: auth parameters in
    the query (default) or the form body, a URL signed with or without a trailing slash or over https,
    asgn encoded twice, a fractional ts."""

    def __init__(self, client, credential: Credential, checker: ContractChecker):
        self.client, self.credential, self.checker = client, credential, checker

    def request(self, method: str, path: str, params: dict | None = None, *, form: dict | None = None,
                files: dict | None = None, auth_in_body: bool = False, signed_path: str | None = None,
                scheme: str = "http", ts=None, ak: str | None = None, private_key: str | None = None,
                asgn: str | None = None, encode_asgn_twice: bool = False):
        query, body = dict(params or {}), dict(form or {})
        # A fraction keeps two requests alike but for their unsigned files from sharing one signature.
        auth = {"ak": ak or self.credential.ak, "ts": str(ts if ts is not None else f"{time.time():.6f}")}
        url = f"{scheme}://{HOST}{signed_path or path}"
        signature = asgn or mettl_signature(private_key or self.credential.private_key, method, url,
                                            {**query, **body, **auth})
        auth["asgn"] = quote(signature, safe="") if encode_asgn_twice else signature
        (body if auth_in_body else query).update(auth)
        response = self.client.open(f"{path}?{urlencode(query)}", method=method,
                                    data={**body, **(files or {})} or None)
        self.checker.check(method, path, response)
        return response

    def get(self, path: str, params: dict | None = None, **options):
        return self.request("GET", path, params, **options)

    def post(self, path: str, form: dict | None = None, **options):
        return self.request("POST", path, form=form, **options)

    def delete(self, path: str, **options):
        return self.request("DELETE", path, **options)


class EuroClient:
    def __init__(self, client, credential: Credential, checker: ContractChecker):
        self.client, self.credential, self.checker = client, credential, checker

    def request(self, method: str, path: str, *, json=None, query: dict | None = None, header: str | None = None):
        authorization = header if header is not None else f"apiEuroToken {self.credential.euro_token}"
        response = self.client.open(path, method=method, json=json, query_string=query or {},
                                    headers={"Authorization": authorization} if authorization else {})
        self.checker.check(method, path, response)
        return response

    def get(self, path: str, **options):
        return self.request("GET", path, **options)

    def post(self, path: str, json=None, **options):
        return self.request("POST", path, json=json, **options)

    def patch(self, path: str, json=None, **options):
        return self.request("PATCH", path, json=json, **options)

    def put(self, path: str, json=None, **options):
        return self.request("PUT", path, json=json, **options)

    def delete(self, path: str, json=None, **options):
        return self.request("DELETE", path, json=json, **options)


@pytest.fixture
def rate_limited_app(app_config):
    """A second app on the same database with the rate limiter on (the test app runs without it) and a
    limit of three requests a minute."""
    was_enabled = limiter.enabled
    application = create_app({**app_config, "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    yield application
    limiter.reset()
    limiter.enabled = was_enabled


@pytest.fixture
def mettl_checker(client):
    return ContractChecker(client, "/v1/openapi.json")


@pytest.fixture
def euro_checker(client):
    return ContractChecker(client, "/api/v1/openapi.json")


@pytest.fixture
def credential(admin) -> Credential:
    return make_credential(admin.institute_id)


@pytest.fixture
def support_credential(admin) -> Credential:
    return make_credential(admin.institute_id, Role.SUPPORT)


@pytest.fixture
def mettl(client, credential, mettl_checker) -> MettlClient:
    return MettlClient(client, credential, mettl_checker)


@pytest.fixture
def euro(client, credential, euro_checker) -> EuroClient:
    return EuroClient(client, credential, euro_checker)


def error_code(response) -> str:
    """The code of a Mettl error answer."""
    body = response.get_json()
    assert body["status"] == "error", body
    return body["error"]["code"]


def euro_error(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


# The smallest PNG there is: one transparent pixel.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


def image_upload(data: bytes = PNG, name: str = "logo.png", mimetype: str = "image/png"):
    return (io.BytesIO(data), name, mimetype)


def register(admin, exam, email: str = "ann@example.com", **fields):
    """A sitting of `exam` for `email`, registered through the service (as staff would)."""
    from webapp.sittings.models import Sitting
    from webapp.sittings.services import register_candidates

    outcome, = register_candidates(admin, exam.id, [{"Email Address": email, "First Name": fields.pop("first", "Ann"),
                                                     "Last Name": fields.pop("last", "Lee"), **fields}])
    db.session.commit()
    return db.session.get(Sitting, outcome.sitting_id)


def start(sitting):
    """Take a registered sitting through the check to `exam_started`."""
    from webapp.sittings import taking

    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"})
    taking.start_exam(sitting)
    db.session.commit()
    return sitting


def finish(sitting, right_answers: int = 1):
    """Answer the first `right_answers` items correctly and submit: `exam_finished`, scored."""
    from webapp.sittings import taking

    items, _ = taking.items_and_responses(sitting)
    for item in items[:right_answers]:
        taking.save_answer(sitting, item.id, answer={"option": item.key["correct"][0]}, version=1)
    taking.finish(sitting)
    db.session.commit()
    return sitting
