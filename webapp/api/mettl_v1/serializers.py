"""Mettl's response bodies, field for field as the spec documents them (sections 2 to 7), with its
date formats: "Thu, 14 Jun 2012 12:43:56 GMT" for moments, "Thu, 27 Jun 2013" for dates, "08:00:00"
for times of day."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timezone
from email.utils import format_datetime

from flask import url_for

from webapp.accounts.models import Institute, WhiteLabel
from webapp.api.mettl_v1.parsing import ADAPTIVE_NAMES
from webapp.assessments.catalogue import CatalogueTest
from webapp.assessments.models import Assessment, Section, field_label
from webapp.assessments.services import EMAIL_FIELD, STANDARD_FIELDS, max_marks
from webapp.bank.models import QuestionType
from webapp.candidates.models import Candidate
from webapp.core.links import check_photo_url, html_report_url, pdf_report_url
from webapp.exams.models import Exam, IpRestriction, ScheduleType
from webapp.exams.services import access_url, exam_windows
from webapp.exams.windows import is_fixed_offset, offset_text
from webapp.results.services import Standing
from webapp.sittings.models import Sitting, SittingStatus
from webapp.sittings.scoring import result_summary
from webapp.sittings.services import RegistrationOutcome

MARKING_SCHEME = "FIXED"
# Essays wait for a grader; `qr=true` asks for their responses.
ESSAY_TYPES = {QuestionType.LONG_ANSWER.value, QuestionType.SHORT_ANSWER.value}
# Answers graded by hand that are files (4.1's "FU"): listed with the essays, the file described additively.
FILE_TYPES = {QuestionType.FILE_UPLOAD.value}


def moment(value: datetime | None) -> str | None:
    return format_datetime(value.astimezone(timezone.utc), usegmt=True) if value else None


def day(value: date | None) -> str | None:
    return moment(datetime.combine(value, time(), timezone.utc))[:16] if value else None


def clock(value: time | None) -> str | None:
    return value.strftime("%H:%M:%S") if value else None


# Account and PBTs -------------------------------------------------------------------------------------

def _branding_url(institute_id: int, kind: str) -> str:
    return url_for("branding.image", institute_id=institute_id, kind=kind, _external=True)


def account(institute: Institute, label: WhiteLabel | None) -> dict:
    label = label or WhiteLabel(support_numbers=[])
    return {
        "email": institute.contact_email or None,
        "firstName": institute.name,
        "lastName": None,
        "accountType": "Enterprise",
        "logoPath": _branding_url(institute.id, "logo") if institute.logo else None,
        "whiteLabelInfo": {
            "headerBackgroundColor": label.header_background_color or None,
            "headerFontColor": label.header_font_color or None,
            "buttonColor": label.button_color or None,
            "buttonFontColor": label.button_font_color or None,
            "customTestUrl": label.custom_test_url,
            "cssPath": url_for("branding.theme", institute_id=institute.id, _external=True),
            "faviconPath": _branding_url(institute.id, "favicon") if label.favicon else None,
            "backgroundImagePath": _branding_url(institute.id, "cover") if label.cover else None,
            "supportNumbers": list(label.support_numbers or []),
        },
        # 2.1: "the returned registration fields are in the language passed" (a registration may use them).
        "registrationFields": [{"name": field_label(name), "type": "TextBox", "required": True,
                                "validate": name == EMAIL_FIELD} for name in STANDARD_FIELDS],
    }


def pbt(test: CatalogueTest) -> dict:
    return {"pbtId": test.id, "name": test.name, "price": 0, "description": test.description,
            "heroMessage": test.hero_message, "keywords": test.keywords, "sampleReportUrl": "",
            "releventIndustries": ""}


# Assessments ------------------------------------------------------------------------------------------

def _skills(section: Section) -> list[dict]:
    """Selection rules as Mettl's skills; hand-picked questions grouped the same way. A skill has no time
    of its own: its `duration` is its section's (0 when untimed), an integer as the spec's samples have."""
    duration = section.duration_minutes or 0
    skills = [{"name": rule.skill.name, "level": rule.difficulty.value, "questionCount": rule.question_count,
               "source": "Custom", "questionType": rule.question_type.value if rule.question_type else None,
               "duration": duration, "correctGrade": rule.correct_grade, "incorrectGrade": rule.incorrect_grade}
              for rule in section.rules]
    picked: dict[tuple, int] = defaultdict(int)
    for pick in section.picks:
        question = pick.question
        picked[(question.skill.name, question.difficulty.value, question.type.value, question.marks,
                question.negative_marks, question.source)] += 1
    skills += [{"name": skill, "level": level, "questionCount": count, "source": source, "questionType": kind,
                "duration": duration, "correctGrade": marks, "incorrectGrade": negative}
               for (skill, level, kind, marks, negative, source), count in picked.items()]
    return skills


def assessment(item: Assessment, tests_taken: int) -> dict:
    return {
        "id": item.id,
        "duration": item.duration_minutes,
        "testsTaken": tests_taken,
        "name": item.name,
        "instructions": item.instructions,
        "allowCopyPaste": item.allow_copy_paste,
        "exitRedirectionURL": item.exit_redirection_url or None,
        "showReportToCandidateOnExit": item.show_report_to_candidate_on_exit,
        "onScreenCalculator": item.on_screen_calculator,
        "createdAt": moment(item.created_at),
        "maxMarks": max_marks(item),
        "markingScheme": MARKING_SCHEME,
        "sections": [{"name": section.name, "instructions": section.instructions,
                      "duration": section.duration_minutes or 0, "isTimed": bool(section.duration_minutes),
                      "skills": _skills(section)} for section in item.sections],
        "registrationFields": [{"name": f.name, "type": f.field_type.value, "required": f.required,
                                "validate": f.name == EMAIL_FIELD, "values": list(f.values)}
                               for f in item.registration_fields],
        # Proctora's additions: what kind of test it is and how its outcome is decided.
        "kind": item.kind.value,
        "targetLevel": item.target_level.value if item.target_level else None,
        "passMarkPercent": item.pass_mark_percent,
        "placementBands": [{"level": band["level"], "minPercent": band["min_percent"]}
                           for band in item.placement_bands],
        "adaptive": {name: item.adaptive[setting] for name, setting in ADAPTIVE_NAMES.items()}
        if item.adaptive is not None else None,
        "showAnswersInReport": item.show_answers_in_report,
    }


def assessment_details(item: Assessment) -> dict:
    """The short form a schedule carries (sections and fields left out, as Mettl does)."""
    return {"id": item.id, "duration": item.duration_minutes, "name": item.name, "instructions": item.instructions,
            "createdAt": moment(item.created_at), "maxMarks": max_marks(item), "markingScheme": MARKING_SCHEME,
            "sections": None, "registrationFields": None}


# Schedules --------------------------------------------------------------------------------------------

def _ip_restriction(exam: Exam) -> dict:
    if exam.ip_restriction == IpRestriction.NONE:
        return {"enabled": False}
    if exam.ip_restriction == IpRestriction.SINGLE:
        return {"enabled": True, "type": "SINGLE", "ip": exam.ip_addresses[0]}
    return {"enabled": True, "type": "RANGE", "ranges": list(exam.ip_addresses)}


def time_zone(exam: Exam) -> str:
    """Mettl knows only fixed offsets. A zone stored as `UTC+05:30` goes back as it came; a named zone
    (`Europe/Berlin`, set in the console) as the offset in force at the start of the exam's first window:
    `UTC+01:00` for a window opening in Berlin's winter, `UTC+02:00` in its summer. A slot-wise window
    that crosses a daylight saving change keeps its local times on every day; the offset returned is
    the first day's."""
    if is_fixed_offset(exam.time_zone):
        return exam.time_zone
    first = exam_windows(exam)[0]
    return offset_text(first.start.astimezone(first.zone))


def _window(exam: Exam) -> dict:
    fixed = exam.schedule_type == ScheduleType.FIXED
    return {"fixedAccessOption": exam.fixed_access_option.value if exam.fixed_access_option else None,
            "startsOnDate": day(exam.starts_on_date), "endsOnDate": day(exam.ends_on_date),
            "startsOnTime": clock(exam.starts_on_time), "endsOnTime": clock(exam.ends_on_time),
            "timeZone": time_zone(exam) if fixed else None}


def _identity(exam: Exam) -> dict:
    return {"id": exam.id, "name": exam.name, "accessKey": exam.access_key, "accessUrl": access_url(exam),
            "status": exam.status.value}


def created_schedule(exam: Exam) -> dict:
    return {"assessmentId": exam.assessment_id, **_identity(exam)}


def schedule(exam: Exam, candidates: list[Candidate], *, with_assessment: bool = True) -> dict:
    body = {
        **_identity(exam),
        "createdAt": moment(exam.created_at),
        "imageProctoring": exam.image_proctoring,
        "isCandidateAuthProctored": exam.candidate_auth_proctored,
        "webProctoring": {"enabled": exam.web_proctoring_enabled, "count": exam.web_proctoring_count,
                          "showRemainingCounts": exam.web_proctoring_show_remaining},
        "scheduleType": exam.schedule_type.value,
        "scheduleWindow": _window(exam),
        "access": {"type": exam.access_type.value,
                   "candidates": [{"name": candidate.name, "email": candidate.email} for candidate in candidates]},
        "ipAccessRestriction": _ip_restriction(exam),
        "testGradeNotification": {"enabled": exam.grade_notification_enabled,
                                  "recipients": list(exam.grade_notification_recipients)},
        "allowCopyPaste": exam.allow_copy_paste,
        "exitRedirectionUrl": exam.exit_redirection_url or None,
        "languageCode": exam.language or None,
    }
    if with_assessment:
        body["assessmentDetails"] = assessment_details(exam.assessment)
    return body


# Candidates and results -------------------------------------------------------------------------------

def _counts(counts: dict) -> dict:
    return {"totalMarks": counts["totalMarks"], "maxMarks": counts["maxMarks"],
            "totalQuestions": counts["totalQuestions"], "totalCorrectAnswers": counts["totalCorrectAnswers"],
            "totalUnAnswered": counts["totalUnAnswered"]}


def _cefr_evidence(levels: list[dict]) -> list[dict]:
    return [{"level": row["level"], "items": row["items"], "percentRight": row["percent"],
             "minPercent": row["min_percent"], "reached": row["reached"]} for row in levels]


def cefr_levels(sitting: Sitting) -> dict | None:
    """A placement's level for each skill with the evidence (webapp/results/placement.py); null for other
    tests, until graded and for placements graded before the evidence was recorded."""
    record = sitting.placement
    if record is None:
        return None
    return {"level": record["level"], "evidence": _cefr_evidence(record["levels"]),
            "skills": [{"skillName": skill["skill"], "writing": skill["writing"], "level": skill["level"],
                        "note": skill["note"], "evidence": _cefr_evidence(skill["levels"])}
                       for skill in record["skills"]]}


def adaptive_result(sitting: Sitting) -> dict | None:
    """An adaptive placement's estimate, its standard error, the items answered, why it stopped and the path
    (webapp/sittings/adaptive.py); null for other tests and until graded."""
    course = (sitting.placement or {}).get("adaptive")
    if course is None:
        return None
    return {"abilityEstimate": course["ability"], "standardError": course["standard_error"],
            "itemsAnswered": course["items"], "stopReason": course["stop_reason"],
            "path": [{"ability": step["ability"], "standardError": step["standard_error"], "score": step["score"]}
                     for step in course["path"]]}


def result(sitting: Sitting, summary: dict, standing: Standing) -> dict:
    """Mettl's `result` from the sitting's result summary. `percentile` is the sitting's among the
    assessment's graded sittings (null until graded); `cefrLevel`, `cefrLevels`, `adaptiveResult`, `passed` and
    `continuePackage` are
    Proctora's additions for placement and certification tests (null for other tests),
    `resultWithheld` says that a proctor's review found a violation an admin has not released, and
    `resultReleased` / `resultReleasedAt` whether and when the candidate was told the result (the
    institute's release policy). The marks are the institute's own: shown whether released or not."""
    return {
        **_counts(summary), "percentile": standing.percentile, "attemptTime": summary["attemptTime"],
        "sectionMarks": [{
            "sectionName": section["sectionName"], **_counts(section), "timeTaken": section["timeTaken"],
            "skillMarks": [{"skillName": skill["skillName"], "totalMarks": skill["totalMarks"],
                            "totalCorrectAnswers": skill["totalCorrectAnswers"],
                            "totalUnAnswered": skill["totalUnAnswered"], "timeTaken": skill["timeTaken"]}
                           for skill in section["skillMarks"]],
        } for section in summary["sectionMarks"]],
        "cefrLevel": sitting.level.value if sitting.level else None,
        "cefrLevels": cefr_levels(sitting),
        "adaptiveResult": adaptive_result(sitting),
        "passed": sitting.passed,
        "continuePackage": sitting.continue_package,
        "resultWithheld": standing.withheld,
        "resultReleased": standing.released,
        "resultReleasedAt": moment(standing.released_at),
    }


def _essay_responses(sitting: Sitting, items: list, responses: dict) -> list[dict]:
    sections = [section["name"] for section in sitting.sections]
    return [{"sectionName": sections[item.section_index] if item.section_index < len(sections) else None,
             "skillName": item.skill_name, "questionType": item.question_type, "question": item.stem,
             "response": (responses[item.id].answer or {}).get("text"), "marksAwarded": responses[item.id].awarded,
             "maxMarks": item.marks, **_file_response(item, responses[item.id])}
            for item in items if item.question_type in ESSAY_TYPES | FILE_TYPES and item.id in responses]


def _file_response(item, response) -> dict:
    """A file answer's name, size in bytes and MIME type (null when none was sent); the bytes stay in the console."""
    if item.question_type not in FILE_TYPES:
        return {}
    file = (response.answer or {}).get("file")
    return {"file": {"name": file["name"], "size": file["size"], "type": file["type"]} if file else None}


def test_status(sitting: Sitting, paper: tuple[list, dict], standing: Standing, *,
                question_responses: bool = False) -> dict:
    """6.2's test status: ToBeTaken; InProgress with its start; Completed with the links to the PDF and
    the shared HTML report and the result."""
    body = {"status": sitting.status.mettl_status}
    if sitting.started_at:
        body["startTime"] = moment(sitting.started_at)
    if sitting.status == SittingStatus.EXAM_FINISHED:
        items, responses = paper
        body.update(endTime=moment(sitting.finished_at), completionMode=sitting.finish_mode.value,
                    pdfReport=pdf_report_url(sitting), htmlReport=html_report_url(sitting),
                    result=result(sitting, result_summary(sitting, items, responses), standing))
        if question_responses:
            body["questionResponses"] = _essay_responses(sitting, items, responses)
    return body


def registration(sitting: Sitting) -> dict:
    """The registration fields, with the check's photos as 6.2 shows them for an image-proctored
    (`referenceImageUrl`) and an ID-checked schedule (`identityProofImageUrl`) once taken."""
    fields, exam = dict(sitting.registration), sitting.exam
    for wanted, name, kind in ((exam.image_proctoring, "referenceImageUrl", "reference_photo"),
                               (exam.candidate_auth_proctored, "identityProofImageUrl", "id_photo")):
        url = check_photo_url(sitting, kind) if wanted else None
        if url:
            fields[name] = url
    return fields


def candidate(sitting: Sitting, paper: tuple[list, dict], standing: Standing, *,
              question_responses: bool = False) -> dict:
    return {"email": sitting.candidate.email, "registration": registration(sitting),
            "testStatus": test_status(sitting, paper, standing, question_responses=question_responses)}


def test_instance(sitting: Sitting, paper: tuple[list, dict], standing: Standing, *,
                  question_responses: bool = False) -> dict:
    """Section 7: one of a candidate's tests, with its assessment and schedule."""
    exam = sitting.exam
    return {"registrationDetails": registration(sitting), "assessmentId": exam.assessment_id,
            "assessmentDuration": exam.assessment.duration_minutes, "assessmentName": exam.assessment.name,
            "assessmentStatus": "active", "scheduleStatus": exam.status.value.lower(), "accessKey": exam.access_key,
            "scheduleTitle": exam.name,
            "test-status": test_status(sitting, paper, standing, question_responses=question_responses)}


def registration_status(outcome: RegistrationOutcome) -> dict:
    return {"email": outcome.email, "status": outcome.status, "message": outcome.message, "url": outcome.url}
