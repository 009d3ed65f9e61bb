"""Hostile values at the doors of both API dialects answer in the dialect's own error shape, and names
entered over the API refuse line breaks."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.api.conftest import error_code, euro_error
from webapp.assessments.models import Assessment
from webapp.core.extensions import db
from webapp.exams.models import Exam


@pytest.mark.parametrize("path", ["/v1/assessments/²", "/v1/assessments/²/schedules", "/v1/assessments/٣"])
def test_mettl_reads_only_ascii_digits_as_an_assessment_id(mettl, path):
    assert error_code(mettl.get(path)) == "E001"


def test_mettl_settings_of_a_superscript_id_are_not_found(mettl):
    assert error_code(mettl.post("/v1/assessments/²/settings/edit", {"settings": "{}"})) == "E001"


def test_mettl_schedule_with_a_nul_is_not_found(mettl):
    response = mettl.get("/v1/schedules/\x00")
    assert response.status_code == 404 and error_code(response) == "E404"


def test_mettl_json_parameters_refuse_control_characters(mettl):
    definition = {"name": "Bad\u0000name", "duration": 30, "sections": []}
    response = mettl.post("/v1/assessments", {"assessments": json.dumps([definition])})
    assert response.status_code == 400 and error_code(response) == "E400"
    assert db.session.scalar(select(Assessment.id)) is None


@pytest.mark.parametrize("parameter", ["q", "email", "username"])
def test_euro_queries_with_a_nul_are_bad_requests(euro, parameter):
    path = "/api/v1/exams" if parameter == "q" else "/api/v1/student_sessions"
    error = euro_error(euro.get(path, query={parameter: "a\x00"}))
    assert (error["status"], error["type"], error["field"]) == (400, "bad_request", parameter)


@pytest.mark.parametrize("name", ["June\x00exam", "June\r\nexam", "\ud800"])
def test_euro_refuses_an_exam_name_with_control_characters(euro, admin, factory, name):
    exam = factory.exam(admin, name="June exam")
    error = euro_error(euro.patch(f"/api/v1/exams/{exam.id}", json={"name": name}))
    assert (error["status"], error["field"]) == (400, "name")
    db.session.expire_all()
    assert db.session.get(Exam, exam.id).name == "June exam"


def test_mettl_refuses_an_assessment_name_with_a_line_break(mettl):
    definition = {"name": "Placement\nBcc: x", "duration": 30, "sections": []}
    assert error_code(mettl.post("/v1/assessments", {"assessments": json.dumps([definition])})) == "E701"
    assert db.session.scalar(select(Assessment.id)) is None


