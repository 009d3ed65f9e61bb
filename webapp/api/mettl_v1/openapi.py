"""The OpenAPI 3.1 document of the Mettl v1 dialect, served at /v1/openapi.json."""
from __future__ import annotations

from webapp.api.common import DEFAULT_RATE_LIMIT, MAX_ID, QUERY_FLAGS
from webapp.api.mettl_v1.parsing import DEFAULT_LIMIT, LANGUAGES, MAX_LIMIT, MAX_REGISTRATIONS
from webapp.api.openapi import (BOOLEAN, INTEGER, NUMBER, STRING, STRINGS, array, json_response, nullable, obj,
                                parameter, ref, without_control_characters)
from webapp.bank.models import CefrLevel
from webapp.core.i18n import LANGUAGES as EXAM_LANGUAGES
from webapp.exams.models import AccessType, ScheduleType
from webapp.sittings.adaptive import STOP_REASONS

NULLABLE_STRING = nullable(STRING)
URL = {"type": "string", "format": "uri"}
# JSON sent as the text of a form field: never empty when the field is required (E400 "not supplied").
JSON_STRING = {"type": "string", "minLength": 1, "contentMediaType": "application/json"}
EMAIL_ADDRESS = {"type": "string", "format": "email"}
# Mettl's samples quote their booleans, so "true" and "false" are read as well, in any case.
FLAG = {"anyOf": [BOOLEAN, {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"}]}

# Proctora's additive fields of an assessment, read by 4.1 and 4.7 (each optional there) and shown by 4.2/4.3.
ASSESSMENT_OUTCOME = {
    "kind": {"enum": ["standard", "placement", "certification"],
             "description": "Proctora's addition: a placement test places at a CEFR level by its placementBands; "
                            "a certification is passed at passMarkPercent and certifies targetLevel."},
    "targetLevel": nullable({"enum": [level.value for level in CefrLevel]}),
    "passMarkPercent": nullable(NUMBER),
    "placementBands": array(obj({"level": {"enum": [level.value for level in CefrLevel]}, "minPercent": NUMBER})),
    "adaptive": {**nullable(obj({
        "startLevel": {"enum": ["", "candidate", *(level.value for level in CefrLevel)],
                       "description": "Empty: the middle of the scale; a level: its prior difficulty; candidate: "
                                      "the candidate's current level."},
        "minItems": INTEGER, "maxItems": INTEGER,
        "targetStandardError": {**NUMBER, "description": "Stop once the ability's standard error (logits) is at "
                                                         "most this, after minItems."},
        "exposureChoices": {**INTEGER, "description": "The next question is drawn from this many of the most "
                                                      "informative."},
        "skillShares": {"type": "object", "additionalProperties": NUMBER,
                        "description": "Content balancing: each skill's share of the questions."}})),
                 "description": "A placement test given adaptively (the sections' questions are its pool); null: "
                                "the fixed form. Sent as false, it turns the fixed form back on."},
    "showAnswersInReport": {**BOOLEAN, "description": "The shared report (the candidate's) shows the answers."},
}

TIME_ZONE = ("The window's zone. Sent as UTC+05:30 (UTC-12:00 to UTC+14:00, in quarters of an hour), it is "
             "kept and returned as sent; an IANA name such as Europe/Berlin is accepted too. A schedule whose "
             "zone is a name (chosen in the console) returns the offset in force at its first window's start, "
             "e.g. UTC+01:00 for Europe/Berlin in winter and UTC+02:00 in summer; its windows follow daylight "
             "saving, each day's slot at the same local times. Without a zone a new schedule takes its "
             "institute's.")

SCHEMAS = {
    "Error": obj({"status": {"const": "error"},
                  "error": obj({"code": {"type": "string", "pattern": "^E[0-9]{3}$"}, "message": STRING,
                                "detail": {**STRING, "description": "What exactly was wrong, where `message` is "
                                                                    "the spec's fixed text for the code."}},
                               optional=("detail",))}),
    "Paging": obj({"previous": NULLABLE_STRING, "next": NULLABLE_STRING}),
    "RegistrationField": obj({"name": STRING, "type": {"enum": ["TextBox", "SelectBox"]}, "required": BOOLEAN,
                              "validate": BOOLEAN, "values": STRINGS}, optional=("values",)),
    "Skill": obj({"name": STRING, "level": {"enum": ["EASY", "MEDIUM", "DIFFICULT"]}, "questionCount": INTEGER,
                  "source": STRING, "questionType": NULLABLE_STRING, "duration": INTEGER,
                  "correctGrade": NUMBER, "incorrectGrade": NUMBER}),
    "CefrEvidence": obj({
        "level": {"enum": [level.value for level in CefrLevel]}, "items": INTEGER,
        "percentRight": {**NUMBER, "description": "The share of the level's marks scored, in percent."},
        "minPercent": {**NUMBER, "description": "The level's band: the share that reaches it."},
        "reached": BOOLEAN}),
    "SkillCefrLevel": obj({
        "skillName": STRING, "writing": {**BOOLEAN, "description": "The essays: a skill of its own, never a gate."},
        "level": nullable({"enum": [level.value for level in CefrLevel]}),
        "note": {**NULLABLE_STRING,
                 "description": "Why there is no level: 'not enough evidence' (items at fewer than two levels), "
                                "'not marked yet', 'below <level>' (essays under their band)."},
        "evidence": array(ref("CefrEvidence"))}),
    "CefrLevels": obj({
        "level": {**nullable({"enum": [level.value for level in CefrLevel]}),
                  "description": "The placement: the rule over the objective items' evidence (README, Placement)."},
        "evidence": array(ref("CefrEvidence")), "skills": array(ref("SkillCefrLevel"))}),
    "AdaptiveResult": obj({
        "abilityEstimate": {**nullable(NUMBER), "description": "The ability on the logit scale (EAP); null when "
                                                               "no question was answered."},
        "standardError": {**nullable(NUMBER), "description": "The estimate's standard error (logits)."},
        "itemsAnswered": INTEGER,
        "stopReason": {"enum": list(STOP_REASONS),
                       "description": "precision: the standard error reached its target; length: the most "
                                      "questions; pool: none left; time: the time ran out; ended: ended otherwise "
                                      "(a proctor)."},
        "path": array(obj({"ability": NUMBER, "standardError": NUMBER,
                           "score": {**NUMBER, "description": "The answer's share of the item's marks, 0 to 1."}}))}),
    "Section": obj({"name": STRING, "instructions": STRING, "duration": INTEGER, "isTimed": BOOLEAN,
                    "skills": array(ref("Skill"))}),
    "Assessment": obj({
        "id": INTEGER, "duration": nullable(INTEGER), "testsTaken": INTEGER, "name": STRING, "instructions": STRING,
        "allowCopyPaste": BOOLEAN, "exitRedirectionURL": NULLABLE_STRING, "showReportToCandidateOnExit": BOOLEAN,
        "onScreenCalculator": BOOLEAN, "createdAt": STRING, "maxMarks": NUMBER, "markingScheme": STRING,
        "sections": array(ref("Section")), "registrationFields": array(ref("RegistrationField")),
        **ASSESSMENT_OUTCOME}),
    "AssessmentDetails": obj({
        "id": INTEGER, "duration": nullable(INTEGER), "name": STRING, "instructions": STRING, "createdAt": STRING,
        "maxMarks": NUMBER, "markingScheme": STRING, "sections": {"type": "null"},
        "registrationFields": {"type": "null"}}),
    "Schedule": obj({
        "id": INTEGER, "name": STRING, "accessKey": STRING, "accessUrl": STRING,
        "status": {"enum": ["ACTIVE", "INACTIVE"]}, "createdAt": STRING, "imageProctoring": BOOLEAN,
        "isCandidateAuthProctored": BOOLEAN,
        "webProctoring": obj({"enabled": BOOLEAN, "count": INTEGER, "showRemainingCounts": BOOLEAN}),
        "scheduleType": {"enum": ["AlwaysOn", "Fixed"]},
        "scheduleWindow": obj({**{name: NULLABLE_STRING for name in (
            "fixedAccessOption", "startsOnDate", "endsOnDate", "startsOnTime", "endsOnTime")},
            "timeZone": {**NULLABLE_STRING, "description": TIME_ZONE}}),
        "access": obj({"type": {"enum": ["OpenForAll", "ByInvitation"]},
                       "candidates": array(obj({"name": STRING, "email": STRING}))}),
        "ipAccessRestriction": obj({"enabled": BOOLEAN, "type": {"enum": ["SINGLE", "RANGE"]}, "ip": STRING,
                                    "ranges": STRINGS}, optional=("type", "ip", "ranges")),
        "testGradeNotification": obj({"enabled": BOOLEAN, "recipients": STRINGS}),
        "allowCopyPaste": BOOLEAN, "exitRedirectionUrl": NULLABLE_STRING,
        "languageCode": {**nullable({"enum": list(EXAM_LANGUAGES)}),
                         "description": "Proctora extension. The language of the candidate pages and e-mails; "
                                        "null: the institute's."},
        "assessmentDetails": ref("AssessmentDetails"),
    }, optional=("assessmentDetails",)),
    "CreatedSchedule": obj({"assessmentId": INTEGER, "id": INTEGER, "name": STRING, "accessKey": STRING,
                            "accessUrl": STRING, "status": STRING}),
    "Counts": obj({"totalMarks": NUMBER, "maxMarks": NUMBER, "totalQuestions": INTEGER,
                   "totalCorrectAnswers": INTEGER, "totalUnAnswered": INTEGER}),
    "Result": {"allOf": [ref("Counts"), obj({
        "percentile": {**nullable({"type": "number", "minimum": 0, "maximum": 100}),
                       "description": "Percent of the assessment's graded sittings in the account scoring at or "
                                      "below this one (scores compared as a share of their maximum); null until "
                                      "the test is graded."},
        "attemptTime": {**INTEGER, "description": "Seconds the candidate spent on the test, measured on the "
                                                  "server; the time between a finish and a resume is not in it."},
        "sectionMarks": array({"allOf": [ref("Counts"), obj({
            "sectionName": STRING,
            "timeTaken": {**INTEGER, "description": "Seconds the candidate spent on the section's questions."},
            "skillMarks": array(obj({"skillName": STRING, "totalMarks": NUMBER, "totalCorrectAnswers": INTEGER,
                                     "totalUnAnswered": INTEGER,
                                     "timeTaken": {**INTEGER, "description": "Seconds the candidate spent on "
                                                                            "the skill's questions in the section."}})),
        })]}),
        "cefrLevel": {**nullable({"enum": [level.value for level in CefrLevel]}),
                      "description": "Proctora extension. The CEFR level a graded placement test placed the "
                                     "candidate at, or the target level of a passed certification; else null."},
        "cefrLevels": {**nullable(ref("CefrLevels")),
                       "description": "Proctora extension. A graded placement test's level overall and for each "
                                      "skill with the evidence; null for other tests and for placements graded "
                                      "before it was recorded."},
        "adaptiveResult": {**nullable(ref("AdaptiveResult")),
                           "description": "Proctora extension. An adaptive placement test's ability estimate, its "
                                          "standard error, the questions answered, why it stopped and the estimate "
                                          "after each question; null for other tests and until graded."},
        "passed": {**nullable(BOOLEAN),
                   "description": "Proctora extension. Whether a graded certification test was passed (its "
                                  "pass mark reached); null for other tests and until graded."},
        "continuePackage": {**nullable(BOOLEAN),
                            "description": "Proctora extension. true after a failed certification: the candidate "
                                           "continues their course package; false after a passed one; else null."},
        "resultWithheld": {**BOOLEAN,
                           "description": "Proctora extension. true while a proctor's review found a violation "
                                          "that an admin has not released: do not act on this result yet."},
        "resultReleased": {**BOOLEAN,
                           "description": "Proctora extension. true once the result is released to the candidate "
                                          "(the exam's release policy: at once, after the proctoring review or by "
                                          "hand) and no violation withholds it. The gradedAssessment callback is "
                                          "sent at the release, and again when a released result is corrected."},
        "resultReleasedAt": {**NULLABLE_STRING,
                             "description": "Proctora extension. When the result was released (e.g. \"Thu, 14 Jun "
                                            "2012 12:43:56 GMT\"); null until then."},
    })]},
    "QuestionResponse": obj({"sectionName": NULLABLE_STRING, "skillName": STRING, "questionType": STRING,
                             "question": STRING, "response": NULLABLE_STRING, "marksAwarded": nullable(NUMBER),
                             "maxMarks": NUMBER,
                             "file": {**nullable(obj({"name": STRING, "size": NUMBER, "type": STRING})),
                                      "description": "Proctora extension, file-upload items (FU) only: the file "
                                                     "the candidate sent (null when none); staff download it in "
                                                     "the console."}},
                            optional=("file",)),
    "TestStatus": obj({
        "status": {"enum": ["ToBeTaken", "InProgress", "Completed"]}, "startTime": STRING, "endTime": STRING,
        "completionMode": {"enum": ["NormalSubmission", "Expired", "TerminatedByProctor",
                                    "BrowsingToleranceExceeded"]},
        "pdfReport": {**URL, "description": "The candidate's PDF report, for anyone holding the link. While "
                      "it is being prepared the link answers 503 with Retry-After: ask again then."},
        "htmlReport": {**URL, "description": "The shared HTML report, for anyone holding the link."},
        "result": ref("Result"), "questionResponses": array(ref("QuestionResponse")),
    }, optional=("startTime", "endTime", "completionMode", "pdfReport", "htmlReport", "result",
                 "questionResponses")),
    "Candidate": obj({"email": STRING, "registration": {
        "type": "object", "additionalProperties": STRING,
        "description": "The registration fields; an image-proctored schedule adds referenceImageUrl and an "
                       "ID-checked one identityProofImageUrl once the check took the photo: unguessable links "
                       "that serve it without a login until the institute's retention removes it."},
                      "testStatus": ref("TestStatus")}),
    "TestInstance": obj({"registrationDetails": {"type": "object", "additionalProperties": STRING},
                         "assessmentId": INTEGER, "assessmentDuration": nullable(INTEGER), "assessmentName": STRING,
                         "assessmentStatus": STRING, "scheduleStatus": {"enum": ["active", "inactive"]},
                         "accessKey": STRING, "scheduleTitle": STRING, "test-status": ref("TestStatus")}),
    "RegistrationStatus": obj({"email": STRING, "status": {"enum": ["ToBeTaken", "Completed", "InProgress", "Error"]},
                               "message": STRING, "url": NULLABLE_STRING}),
    "Pbt": obj({"pbtId": INTEGER, "name": STRING, "price": NUMBER, "description": STRING, "heroMessage": STRING,
                "keywords": STRING, "sampleReportUrl": STRING, "releventIndustries": STRING}),
    "PbtAdded": obj({"pbtId": {}, "added": BOOLEAN, "message": NULLABLE_STRING, "assessmentId": INTEGER}),
    "AccountInfo": obj({
        "email": NULLABLE_STRING, "firstName": STRING, "lastName": NULLABLE_STRING, "accountType": STRING,
        "logoPath": NULLABLE_STRING,
        "whiteLabelInfo": obj({"headerBackgroundColor": NULLABLE_STRING, "headerFontColor": NULLABLE_STRING,
                               "buttonColor": NULLABLE_STRING, "buttonFontColor": NULLABLE_STRING,
                               "customTestUrl": NULLABLE_STRING, "cssPath": NULLABLE_STRING,
                               "faviconPath": NULLABLE_STRING, "backgroundImagePath": NULLABLE_STRING,
                               "supportNumbers": STRINGS}),
        "registrationFields": array(ref("RegistrationField")),
    }),
}

AUTHENTICATION = [
    parameter("ak", "query", STRING, "The credential's access key.", required=True),
    parameter("ts", "query", STRING, "UNIX time in seconds (UTC), a fraction allowed; at most a day off (E504).",
              required=True),
    parameter("asgn", "query", STRING, "The request's signature (see the description of this API).", required=True),
]
PAGING = [
    parameter("limit", "query", {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
              f"How many to return, 0 to {MAX_LIMIT}."),
    parameter("offset", "query", {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0},
              "How many to skip."),
    parameter("sort_order", "query", {"enum": ["asc", "desc"], "default": "desc"}, "Sort direction."),
]
QR = parameter("qr", "query", {"enum": list(QUERY_FLAGS), "default": "false"},
               "true: add `questionResponses`, the answers to essay questions and the files sent for file-upload "
               "questions (FU), to completed tests.")
# A JSON parameter (OpenAPI's `content`), so that clients and schemathesis send the filter as JSON text.
FILTER = {"name": "filter", "in": "query", "required": False,
          "description": "JSON: schedules matching all the settings given are returned. An unknown key is "
                         "E400 naming it; the object may also come wrapped as {\"filter\": {...}}, as the "
                         "spec writes it.",
          "content": {"application/json": {"schema": {"type": "object", "additionalProperties": False, "properties": {
              "imageProctoring": FLAG, "isCandidateAuthProctored": FLAG,
              "webProctoring": {"type": "object", "additionalProperties": False, "properties": {
                  "enabled": FLAG, "showRemainingCounts": FLAG,
                  "count": {"anyOf": [{"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID},
                                      {"type": "string", "pattern": "^-?[0-9]{1,9}$"}]}}},
              "type": {"enum": [kind.value for kind in AccessType]},
              "scheduleType": {"enum": [kind.value for kind in ScheduleType]}}}}}}
ASSESSMENT_ID = parameter("assessment_id", "path", STRING, "The assessment's id.")
ACCESS_KEY = parameter("access_key", "path", STRING, "The schedule's access key.")
EMAIL = parameter("email", "path", EMAIL_ADDRESS, "The candidate's e-mail address (E004 if it is not one).")

SC_EXAMPLE = ('{"name": "Schedule via API", "scheduleType": "AlwaysOn", "scheduleWindow": null, '
              '"access": {"type": "OpenForAll", "candidates": null, "sendEmail": false}, '
              '"webProctoring": {"enabled": false}, "ipAccessRestriction": {"enabled": false}, '
              '"testGradeNotification": {"enabled": false, "recipients": []}, "allowCopyPaste": true, '
              '"sourceApp": "schemathesis"}')
RD_EXAMPLE = ('{"registrationDetails": [{"Email Address": "albert@example.com", "First Name": "Albert", '
              '"Last Name": "Smith"}], "optionalParams": [{"email": "albert@example.com", "context_data": "x"}]}')
AUTH_ERRORS = "E401, E403 (read-only credential), E405, E422, E504, E509"


def _sort(values: tuple[str, ...]) -> dict:
    return parameter("sort", "query", {"enum": list(values), "default": values[0]}, "Sort key.")


def _form(fields: dict, required: tuple[str, ...], media: str = "application/x-www-form-urlencoded") -> dict:
    return {"required": True, "content": {media: {"schema": {"type": "object", "properties": fields,
                                                              "required": list(required)}}}}


# Retakes: a candidate may have several test instances in one schedule; the e-mail finds the latest.
LATEST_ATTEMPT = ("Where the schedule allows retakes (set in the console or the EURO dialect), a candidate has one "
                  "test instance per attempt, each with its own candidate_instance_id and result; this answers the "
                  "latest attempt. GET /v1/candidates/{email} lists every attempt.")


def _operation(summary: str, errors: str, success: dict, *, parameters: list | None = None,
               body: dict | None = None, note: str = "") -> dict:
    operation = {
        "summary": summary,
        "description": f"{note + ' ' if note else ''}Errors: {errors + '; ' if errors else ''}on any request "
                       f"{AUTH_ERRORS}.",
        "parameters": [*AUTHENTICATION, *(parameters or [])],
        "responses": {"200": json_response("Success", success),
                      "default": json_response("An error in Mettl's shape", ref("Error"))},
    }
    if body:
        operation["requestBody"] = body
    return operation


def _success(**properties) -> dict:
    return obj({"status": {"const": "SUCCESS"}, **properties})


DESCRIPTION = f"""Mettl's API v1 (document version 1.19), served by Proctora. Moving an integration is a matter of
changing the host.

**Signing.** Every request carries `ak` (access key), `ts` (UNIX time, UTC) and `asgn`, in the query
string or the form body:

    asgn = URLENCODE(BASE64(HMAC-SHA1(VERB + URL + "\\n" + values of all other parameters sorted by their
                                      names and joined by "\\n", private key)))

URL is the full URL without the query string (`https://host/v1/assessments`); files are not signed.
Accepted readings: http or https, with or without a trailing slash, `asgn` URL-decoded once or twice,
`ts` with a fraction; JSON parameters are signed as the raw strings sent. A timestamp more than a day
off is E504, a wrong signature or a revoked or unknown `ak` E401, a signature used by an earlier
request E422 (even one that failed), more than {DEFAULT_RATE_LIMIT} per access key (configurable) E509. A
read-only (support) credential is refused every write with E403.

**Paging.** Lists take `limit`, `offset`, `sort` and `sort_order` and answer `paging.previous` and
`paging.next`: links signed afresh for the same credential, to be followed once (null at either end).

**Errors** answer `{{"status": "error", "error": {{"code": "E…", "message": "…"}}}}` with an HTTP status
of 400, 401, 403, 404, 405, 409 or 429.

**Results.** A completed test carries `pdfReport` and `htmlReport`, links to the candidate's report
that work without signing (share them with care), and its `result`. `percentile` is null until the
test is graded (essays wait for a grader). Proctora adds four fields to `result` for placement and
certification tests: `cefrLevel`, `cefrLevels` (each skill's level with the share right at each level),
`passed` and `continuePackage` (null for other tests).

**Release.** The institute decides when a result reaches the candidate (the exam's release policy: at
once, after the proctoring review, or by hand). `result.resultReleased` and `result.resultReleasedAt` say
whether and when it was released; `resultWithheld` that a proctor's review found a violation. The marks
are shown to the API before the release too. The `gradedAssessment` callback follows the release: it is
sent when the result is released (not when it is graded), and sent again with the new marks when a
released result is corrected (a re-mark, a re-score, a review); order the calls by `timestamp_GMT`.
"""


def document() -> dict:
    paths = {
        "/v1/account": {"get": _operation(
            "Account information (2.1)", "E400 (languageCode)", _success(accountInfo=ref("AccountInfo")),
            parameters=[parameter("languageCode", "query", {"enum": list(LANGUAGES), "default": "en"},
                                  "Language of the registration fields.")])},
        "/v1/account/upload-logo": {"post": _operation(
            "Upload the logo (2.2)", "E400 (no logo), E013 (larger than 100 KB), E014 (not a JPEG, PNG, GIF or "
                                     "WebP image, judged by its bytes whatever type the part declares)", _success(),
            body=_form({"logo": {"type": "string", "contentMediaType": "application/octet-stream"}}, ("logo",),
                       "multipart/form-data"))},
        "/v1/account/update-white-labeling": {"post": _operation(
            "White-labelling (2.3)", "E013, E014, E015, E016, E017, E400, E789 (custom test URL)", _success(),
            body=_form({"wl": {**JSON_STRING, "description": 'JSON: {"headerBackgroundColor", "headerFontColor", '
                                                             '"buttonColor", "buttonFontColor", "customTestUrl"}; '
                                                             'the custom test URL is served at /authenticateKey/'
                                                             '<customTestUrl>: the institute\'s open tests and a '
                                                             'box for an access key'},
                        "sn": {**JSON_STRING, "description": "JSON: one or two support numbers"},
                        "fav": {"type": "string", "contentMediaType": "application/octet-stream"},
                        "cov": {"type": "string", "contentMediaType": "application/octet-stream"}},
                       ("wl",), "multipart/form-data"))},
        "/v1/pbts": {"get": _operation("Pre-built tests (3.1)", "", _success(pbts=array(ref("Pbt"))))},
        "/v1/pbts/add": {"post": _operation(
            "Add pre-built tests (3.2)", "E400", _success(pbts=array(ref("PbtAdded"))),
            body=_form({"pbts": {**JSON_STRING, "description": "JSON: [pbtId, ...]", "example": "[1]"}}, ("pbts",)))},
        "/v1/assessments": {
            "post": _operation(
                "Create an assessment (4.1)", "E400, E701 to E710, E789", _success(assessmentId=INTEGER),
                body=_form({"assessments": {**JSON_STRING, "description": "JSON: the assessment, as in the spec, "
                                                                          "and optionally Proctora's kind, "
                                                                          "targetLevel, passMarkPercent, "
                                                                          "placementBands, adaptive and "
                                                                          "showAnswersInReport (as the Assessment "
                                                                          "schema shows them)"}},
                           ("assessments",))),
            "get": _operation(
                "Assessments (4.2)", "E400 (paging)",
                _success(assessments=array(ref("Assessment")), paging=ref("Paging")),
                parameters=[*PAGING, _sort(("createdAt", "testTaken", "name"))]),
        },
        "/v1/assessments/{assessment_id}": {"get": _operation(
            "One assessment (4.3)", "E001, E007", _success(assessment=ref("Assessment")), parameters=[ASSESSMENT_ID])},
        "/v1/assessments/{assessment_id}/settings/edit": {"post": _operation(
            "Edit assessment settings (4.7)", "E001, E007, E022, E789", _success(assessment=ref("Assessment")),
            parameters=[ASSESSMENT_ID],
            body=_form({"as": {**JSON_STRING, "description": 'JSON: {"allowCopyPaste", "exitRedirectionURL", '
                                                             '"instructions", "onScreenCalculator", '
                                                             '"showReportToCandidate"}; a boolean '
                                                             'exitRedirectionURL (the spec\'s sample sends true) '
                                                             'means no URL; Proctora adds kind, targetLevel, '
                                                             'passMarkPercent, placementBands, adaptive and '
                                                             'showAnswersInReport'}}, ("as",)))},
        "/v1/assessments/{assessment_id}/schedules": {
            "get": _operation("Schedules of an assessment (4.4)", "E001, E007, E400 (filter)",
                              _success(schedules=array(ref("Schedule"))), parameters=[ASSESSMENT_ID, FILTER]),
            "post": _operation(
                "Create a schedule (5.1)", "E001, E003, E004, E007, E019, E020, E034, E400 (among others: no "
                "sourceApp, which is mandatory), E789. An ipAccessRestriction of type RANGE with \"ranges\": "
                "null (the spec's sample) restricts nothing",
                _success(createdSchedule=ref("CreatedSchedule")), parameters=[ASSESSMENT_ID],
                body=_form({"sc": {**JSON_STRING, "description": "JSON: the schedule, as in the spec; Proctora "
                                                                  "adds languageCode (en, de, es or ar: the "
                                                                  "candidate pages' and e-mails' language; other "
                                                                  "codes are ignored)",
                                   "example": SC_EXAMPLE}}, ("sc",))),
        },
        "/v1/schedules": {"get": _operation(
            "All schedules (4.5)", "E400 (paging, filter)",
            _success(schedules=array(ref("Schedule")), paging=ref("Paging")),
            parameters=[*PAGING, _sort(("createdAt", "testTaken", "name")), FILTER])},
        "/v1/schedules/{access_key}": {"get": _operation(
            "One schedule (4.6)", "E002, E008", _success(schedule=ref("Schedule")), parameters=[ACCESS_KEY])},
        "/v1/schedules/{access_key}/edit": {"post": _operation(
            "Edit a schedule (5.2)", "E002, E003, E004, E008, E019, E020, E034, E400, E789",
            _success(schedule=ref("Schedule")), parameters=[ACCESS_KEY],
            body=_form({"sc": {**JSON_STRING, "description": 'JSON: as for 5.1, with access.candidates '
                                                             '{"add": [...], "remove": [e-mails]}',
                               "example": SC_EXAMPLE}}, ("sc",)))},
        "/v1/schedules/{access_key}/candidates": {
            "post": _operation(
                "Register candidates (6.1.2)", f"E002, E003, E004, E008, E010 (more than {MAX_REGISTRATIONS}), E400",
                _success(registrationStatus=array(ref("RegistrationStatus"))), parameters=[ACCESS_KEY],
                body=_form({"rd": {**JSON_STRING, "description": 'JSON: {"registrationDetails": [...], '
                                                                 '"optionalParams": [{"email", "context_data"}]}',
                                   "example": RD_EXAMPLE}}, ("rd",))),
            "get": _operation(
                "Test status and results of a schedule's candidates (6.2, 8.1)", "E002, E008, E400 (paging)",
                _success(candidates=array(ref("Candidate")), paging=ref("Paging")),
                parameters=[ACCESS_KEY, *PAGING, _sort(("testStartTime", "name")), QR]),
        },
        "/v1/schedules/{access_key}/candidates/{email}": {
            "get": _operation("Test status and result of one candidate (6.3, 8.2)", "E002, E004, E008, E009",
                              _success(candidate=ref("Candidate")), parameters=[ACCESS_KEY, EMAIL, QR],
                              note=LATEST_ATTEMPT),
            "delete": _operation("Delete a report (6.4)", "E002, E004, E005, E006, E008, E009", _success(),
                                 parameters=[ACCESS_KEY, EMAIL], note=LATEST_ATTEMPT),
        },
        "/v1/candidates/{email}": {"get": _operation(
            "Everything about one candidate (7)", "E004, E009", _success(testInstances=array(ref("TestInstance"))),
            parameters=[EMAIL, QR])},
        "/v1/openapi.json": {"get": {
            "summary": "This document (not signed)", "parameters": [],
            "responses": {"200": json_response("The OpenAPI document", {"type": "object"}),
                          "default": json_response("An error in Mettl's shape", ref("Error"))}}},
    }
    return without_control_characters({"openapi": "3.1.0",
            "info": {"title": "Proctora: Mettl API v1", "version": "1.19", "description": DESCRIPTION},
            "paths": paths, "components": {"schemas": SCHEMAS}})
