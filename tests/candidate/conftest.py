"""An exam with one question of each type and a registered candidate, for the candidate's pages."""
from pathlib import Path

import pytest

from tests.candidate.helpers import build_paper, paper_assessment, register


@pytest.fixture
def paper(admin):
    return build_paper(admin)


@pytest.fixture
def make_exam(factory, admin, paper):
    """An exam of the mixed paper; assessment settings (show_report_to_candidate_on_exit, ...) go in
    `assessment`, the rest are the exam's."""
    def make(assessment: dict | None = None, **exam_settings):
        return factory.exam(admin, assessment=paper_assessment(admin, paper, **(assessment or {})), **exam_settings)
    return make


@pytest.fixture
def exam(make_exam):
    return make_exam(access_type="ByInvitation")


@pytest.fixture
def sitting(admin, exam):
    return register(admin, exam)


@pytest.fixture
def stored_files(app):
    """The files in the image store now (the instance folder lives as long as the test session)."""
    return lambda: set((Path(app.instance_path) / "uploads").rglob("*"))
