"""EURO PRUEFSTER response bodies: snake_case, ISO 8601 dates and times (UTC moments), ids, and the
student session statuses of the spec (registered ... exam_finished)."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time

from webapp.accounts.models import User
from webapp.candidates.models import Candidate
from webapp.core.links import html_report_url, pdf_report_url
from webapp.exams.models import Exam
from webapp.exams.services import access_url, exam_input
from webapp.results import outcomes
from webapp.results.services import Standing
from webapp.sittings.models import Sitting, SittingStatus


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime, time)) else value


def exam(item: Exam) -> dict:
    """Every setting under the name a request uses to set it, then what the server decides."""
    settings = {name: _iso(value) for name, value in asdict(exam_input(item)).items()}
    return {"id": item.id, **settings, "status": item.status.value.lower(), "assessment_name": item.assessment.name,
            "access_key": item.access_key, "access_url": access_url(item), "institute_id": item.institute_id,
            "created_at": _iso(item.created_at), "updated_at": _iso(item.updated_at)}


def student(item: Candidate) -> dict:
    return {"id": item.id, "email": item.email, "username": item.username, "first_name": item.first_name,
            "last_name": item.last_name, "level": item.current_level.value if item.current_level else None,
            "institute_id": item.institute_id}


def _level_evidence(levels: list[dict]) -> list[dict]:
    return [{key: row[key] for key in ("level", "items", "percent", "min_percent", "reached")} for row in levels]


def skill_levels(item: Sitting) -> list[dict] | None:
    """A placement's level for each skill with its evidence (webapp/results/placement.py); null for other
    tests, until graded and for placements graded before the evidence was recorded."""
    if item.placement is None:
        return None
    return [{"skill": skill["skill"], "writing": skill["writing"], "level": skill["level"], "note": skill["note"],
             "evidence": _level_evidence(skill["levels"])} for skill in item.placement["skills"]]


def adaptive(item: Sitting) -> dict | None:
    """An adaptive placement's estimate, its standard error, the items answered, why it stopped and the path
    (webapp/sittings/adaptive.py); null for other tests and until graded."""
    course = (item.placement or {}).get("adaptive")
    if course is None:
        return None
    return {"ability": course["ability"], "standard_error": course["standard_error"], "items": course["items"],
            "stop_reason": course["stop_reason"], "path": [dict(step) for step in course["path"]]}


def result(item: Sitting, standing: Standing) -> dict | None:
    """A finished session's result. The spec names no result fields, so these follow the dialect's
    style; `percentile`, `level`, `level_evidence`, `skill_levels`, `passed` and `continue_package` stay
    null until the session is graded."""
    if item.status != SittingStatus.EXAM_FINISHED:
        return None
    percent = outcomes.percent(item)
    return {"total_marks": item.total_marks, "max_marks": item.max_marks,
            "percent": round(percent, 2) if percent is not None else None,
            "percentile": standing.percentile, "level": item.level.value if item.level else None,
            "level_evidence": _level_evidence(item.placement["levels"]) if item.placement else None,
            "skill_levels": skill_levels(item), "adaptive": adaptive(item),
            "passed": item.passed, "continue_package": item.continue_package,
            "report_url": html_report_url(item), "pdf_report_url": pdf_report_url(item),
            "graded_at": _iso(item.graded_at), "result_withheld": standing.withheld,
            "result_released": standing.released, "result_released_at": _iso(standing.released_at)}


def student_session(item: Sitting, standing: Standing, personal_url: str | None) -> dict:
    """`personal_url` is null for a credential whose role may not see personal links."""
    return {
        "id": item.id, "exam_id": item.exam_id, "institute_id": item.institute_id, "attempt": item.attempt,
        "status": item.status.value,
        "finish_mode": item.finish_mode.value if item.finish_mode else None, "student": student(item.candidate),
        "registration": dict(item.registration), "context_data": item.context_data,
        "personal_url": personal_url, "registered_by": item.registered_by,
        **{name: _iso(getattr(item, name)) for name in ("mail_sent_at", "started_at", "deadline", "finished_at")},
        "total_marks": item.total_marks, "max_marks": item.max_marks, "graded_at": _iso(item.graded_at),
        "result": result(item, standing), "created_at": _iso(item.created_at),
    }


def user(item: User) -> dict:
    return {"id": item.id, "email": item.email, "name": item.name, "role": item.role.value, "active": item.active,
            "institute_id": item.institute_id}


def meta(pagination) -> dict:
    return {"page": pagination.page, "per_page": pagination.per_page, "total": pagination.total,
            "total_pages": pagination.pages}
