"""No input reaches a 500: every route of the URL map (console, candidate pages, both API dialects)
is walked with hostile values in its path, its query, its form and its JSON body, logged in as an
admin, signed for Mettl and token-authenticated for EURO PRUEFSTER, on the test database (SQLite,
or PostgreSQL from TEST_DATABASE_URL). Refusals must come in the shape of the door they knocked at."""
from __future__ import annotations

import json
import time
from urllib.parse import quote, unquote, urlencode

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField
from wtforms.fields.core import UnboundField

from tests.api.conftest import make_credential, mettl_signature, register
from tests.conftest import log_in
from webapp.assessments.models import Section
from webapp.core.extensions import db
from webapp.lti.models import LtiResourceLink
from webapp.lti.platforms import PlatformInput, add_platform

# Values that broke pages before: NUL and other control characters, UTF-8 of a lone surrogate (in a
# URL) or the surrogate itself (in JSON), a superscript and an Arabic-Indic digit (`isdigit()` is true,
# `int()` fails or reads 3), numbers beyond any id column, over-long text, a line break in a name.
PATH_VALUES = ["%00", "a%1Bb", "%ED%A0%80", "%C2%B2", "%D9%A3", "99999999999999999999999", "-1", "x" * 1100]
FIELD_VALUES = ["\x00", "\ud800", "²", "99999999999999999999999", "x" * 1100, "Line\r\nbreak"]
DESTRUCTIVE = ("delete", "remove", "revoke", "retire", "terminate", "reject", "rotate", "logout")


def _form_field_names() -> set[str]:
    """Every field name of the console's forms (the app has imported them all), with the first row of a
    repeating group under the names WTForms gives it."""
    names, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        for name in dir(form):
            field = getattr(form, name, None)
            if name.startswith("_") or not isinstance(field, UnboundField):
                continue
            names.add(name)
            if field.field_class in (FieldList, FormField):
                names.update(f"{name}-0-{inner}" for inner in ("html", "correct", "answer", "name", "value", "id"))
                names.add(f"{name}-0")
    return names


def _api_field_names(client) -> set[str]:
    """Every parameter and body property the two OpenAPI documents name."""
    names = set()

    def visit(node):
        if isinstance(node, dict):
            if node.get("in") in ("query", "path", "formData") and "name" in node:
                names.add(node["name"])
            names.update(node.get("properties", {}))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for document in ("/v1/openapi.json", "/api/v1/openapi.json"):
        visit(client.get(document).get_json())
    return names


@pytest.fixture
def world(admin, factory, client):
    """An institute with an assessment, an exam with a registered candidate and an API credential:
    the records a route's path names when the hostile value is elsewhere."""
    exam = factory.exam(admin)
    sitting = register(admin, exam, email="walker@example.com")
    credential = make_credential(admin.institute_id)
    platform = add_platform(admin, PlatformInput(
        name="Campus Moodle", issuer="https://moodle.example.edu", client_id="walker-client",
        auth_login_url="https://moodle.example.edu/mod/lti/auth.php",
        jwks_url="https://moodle.example.edu/mod/lti/certs.php", deployment_ids=("1",)))
    link = LtiResourceLink(institute_id=admin.institute_id, platform_id=platform.id, deployment_id="1",
                           resource_link_id="walker-link", exam_id=exam.id,
                           memberships_url="https://moodle.example.edu/mod/lti/services.php/memberships")
    db.session.add(link)
    db.session.commit()
    section = db.session.scalars(select(Section).where(Section.assessment_id == exam.assessment_id)).first()
    fields = _form_field_names() | _api_field_names(client) | {"q", "page", "email", "username", "status", "sort"}
    log_in(client, admin)
    return {
        "ids": {"exam_id": exam.id, "assessment_id": exam.assessment_id, "sitting_id": sitting.id,
                "candidate_id": sitting.candidate_id, "section_id": section.id, "user_id": admin.id,
                "institute_id": admin.institute_id, "student_session_id": sitting.id,
                "token": sitting.access_token, "access_key": exam.access_key, "email": "walker@example.com",
                "kind": "logo", "slug": "english-placement", "link_id": link.id},
        "credential": credential, "fields": sorted(fields),
    }


class Walker:
    def __init__(self, client, world):
        self.client, self.world, self.failures = client, world, []

    def send(self, method: str, path: str, *, query: dict | None = None, form: dict | None = None,
             body=None):
        credential = self.world["credential"]
        query, headers = dict(query or {}), {}
        if path.startswith("/v1/") and not path.endswith("openapi.json"):
            auth = {"ak": credential.ak, "ts": f"{time.time():.6f}"}
            # Signed as the server reads the request: undecodable bytes become U+FFFD.
            received = {name: _as_received(value) for name, value in {**query, **(form or {}), **auth}.items()}
            auth["asgn"] = mettl_signature(credential.private_key, method,
                                           f"http://localhost{unquote(path, errors='replace')}", received)
            query.update(auth)
        elif path.startswith("/api/v1/"):
            headers["Authorization"] = f"apiEuroToken {credential.euro_token}"
        options = {"headers": headers}
        if body is not None:
            options.update(data=json.dumps(body), content_type="application/json")
        elif form is not None:
            options.update(data=_encoded(form), content_type="application/x-www-form-urlencoded")
        url = path + ("?" + _encoded(query) if query else "")
        try:
            response = self.client.open(url, method=method, base_url="http://localhost", **options)
        except Exception as error:  # noqa: BLE001  (the report lists every route that raised)
            db.session.rollback()
            self.failures.append(f"{method} {url[:120]!r} raised {error!r:.200}")
            return None
        self.check(method, url, response)
        return response

    def check(self, method: str, url: str, response) -> None:
        where = f"{method} {url[:120]!r} -> {response.status_code}"
        if response.status_code >= 500:
            self.failures.append(where)
        elif response.status_code in (400, 404) and url.startswith("/v1/") and "openapi" not in url:
            body = response.get_json(silent=True) or {}
            if body.get("status") != "error" or not body.get("error", {}).get("code"):
                self.failures.append(f"{where}: not in Mettl's error shape: {response.data[:200]!r}")
        elif response.status_code in (400, 404) and url.startswith("/api/v1/"):
            error = (response.get_json(silent=True) or {}).get("error") or {}
            if error.get("status") != response.status_code or not error.get("message"):
                self.failures.append(f"{where}: not in EURO's error shape: {response.data[:200]!r}")
        elif response.status_code in (400, 404) and response.mimetype == "text/html":
            heading = BeautifulSoup(response.data, "html.parser").find("h1")
            if heading is None or not heading.get_text(strip=True):
                self.failures.append(f"{where}: no page that says what is wrong")

    def walk(self, rule) -> None:
        ids = self.world["ids"]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        valid = {argument: str(ids.get(argument, 1)) for argument in rule.arguments}
        for method in methods:
            for argument in sorted(rule.arguments):
                for value in PATH_VALUES:
                    self.send(method, _build(rule, {**valid, argument: value}))
            path = _build(rule, {name: quote(value, safe="") for name, value in valid.items()})
            for value in FIELD_VALUES:
                fields = {name: value for name in self.world["fields"]}
                if method == "GET" or method == "DELETE":
                    self.send(method, path, query=fields)
                elif path.startswith("/api/v1/"):
                    self.send(method, path, body=fields)
                else:
                    self.send(method, path, form=fields)


def _encoded(fields: dict) -> str:
    """A query or form body; a lone surrogate goes in as its (invalid) UTF-8 bytes."""
    return urlencode(fields, encoding="utf-8", errors="surrogatepass")


def _as_received(value: str) -> str:
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _build(rule, values: dict) -> str:
    """The rule's path with each argument's text put in as given (already percent-encoded)."""
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", values[name])
        for converter in ("int", "id", "path", "any(logo, favicon, cover)"):
            path = path.replace(f"<{converter}:{name}>", values[name])
    return path


def _rules(app, blueprints):
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint != "static" and rule.endpoint.split(".")[0] in blueprints]
    # Deletions and logging out last, so the other routes still find the records and the session.
    return sorted(rules, key=lambda rule: (any(word in rule.endpoint for word in DESTRUCTIVE), rule.rule))


BLUEPRINT_GROUPS = [
    ("health", "accounts", "notifications", "branding", "branding_console", "api_console", "api_docs"),
    ("bank", "bank_imports", "candidates"),
    ("assessments", "analysis", "calibration"),
    ("exams", "results", "grading", "reports"),
    ("candidate", "proctoring", "audit"),
    ("mettl_v1",),
    ("euro_v1",),
    ("lti", "lti_console"),
]


@pytest.mark.parametrize("blueprints", BLUEPRINT_GROUPS, ids=["+".join(group) for group in BLUEPRINT_GROUPS])
def test_no_hostile_value_reaches_a_server_error(app, client, world, blueprints):
    walker = Walker(client, world)
    rules = _rules(app, blueprints)
    assert rules, blueprints
    for rule in rules:
        walker.walk(rule)
    assert not walker.failures, f"{len(walker.failures)} failures:\n" + "\n".join(walker.failures[:60])


def test_every_blueprint_is_walked(app):
    walked = {name for group in BLUEPRINT_GROUPS for name in group}
    assert {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules() if rule.endpoint != "static"} <= walked


def test_the_walker_is_let_in_at_every_door(client, world):
    """The hostile values reach the views: the walker's session, signature and token are accepted."""
    walker = Walker(client, world)
    assert walker.send("GET", "/exams").status_code == 200
    assert walker.send("GET", "/v1/account").get_json()["status"] == "SUCCESS"
    assert len(walker.send("GET", "/api/v1/exams").get_json()["exams"]) == 1
