"""The Mettl v1 dialect at /v1/: every endpoint of the spec's sections 2 to 7. Each view reads the
request (parsing), calls the services as the signing credential's institute, and answers in Mettl's
words (serializers). Errors take Mettl's shape in webapp.core.errors."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, jsonify, request
from flask_babel import force_locale

from webapp.accounts.services import set_logo, update_white_label, white_label
from webapp.api.common import actor, credential, rate_limit, use_credential
from webapp.api.mettl_v1 import auth, parsing, serializers
from webapp.api.mettl_v1.openapi import document
from webapp.assessments.catalogue import add_to_institute, catalogue
from webapp.assessments.services import create_assessment, get_assessment_or_deleted, update_settings
from webapp.candidates.services import candidate_for_email
from webapp.core.database import Page
from webapp.core.errors import DomainError, NotFound, PermissionDenied
from webapp.core.extensions import db, limiter
from webapp.exams.services import ExamInput, create_exam, exam_for_access_key, exam_input, update_exam
from webapp.proctoring import services as proctoring
from webapp.results.services import standings
from webapp.sittings.services import (candidate_sittings, change_invitees, exam_sittings_page, register_candidates,
                                      registered_candidates, sitting_for_email, sitting_papers)
from webapp.sittings.tests_taken import assessments_page, exams_page, tests_taken

blueprint = Blueprint("mettl_v1", __name__, url_prefix="/v1")
# A collection URL answers with or without its trailing slash, as clients write it either way.
route = partial(blueprint.route, strict_slashes=False)
limiter.limit(rate_limit, key_func=auth.rate_limit_key)(blueprint)
UNSIGNED = {"mettl_v1.openapi_document"}


@blueprint.before_request
def authenticate():
    if request.endpoint not in UNSIGNED:
        use_credential(auth.authenticate(request))


def success(**body):
    return jsonify({"status": "SUCCESS", **body})


def _paging(total: int, paging: parsing.Paging) -> dict:
    """Links to the previous and next pages (null at either end), signed afresh like Mettl's, with the
    request's own parameters and another offset."""
    kept = {name: value for name, value in request.args.items() if name not in auth.AUTH_PARAMETERS}
    kept.update(limit=str(paging.limit), sort=paging.sort, sort_order="desc" if paging.descending else "asc")
    url = request.base_url

    def link(offset: int) -> str:
        return auth.signed_url(credential(), url, {**kept, "offset": str(offset)})

    has_previous = paging.offset > 0 and paging.limit > 0
    has_next = paging.limit > 0 and paging.offset + paging.limit < total
    return {"previous": link(max(0, paging.offset - paging.limit)) if has_previous else None,
            "next": link(paging.offset + paging.limit) if has_next else None}


# 2. Account -------------------------------------------------------------------------------------------

@route("/account", methods=["GET"])
def account():
    institute = actor().institute
    # The API answers in English; 2.1 returns the registration fields in the language asked for.
    with force_locale(parsing.language()):
        info = serializers.account(institute, white_label(institute.id))
    return success(accountInfo=info)


@route("/account/upload-logo", methods=["POST"])
def upload_logo():
    logo = request.files.get("logo")
    if logo is None:
        raise parsing.bad_request("Mandatory parameter logo not supplied.")
    set_logo(actor(), logo.read())
    return success()


@route("/account/update-white-labeling", methods=["POST"])
def update_white_labeling():
    images = {kind: upload.read() for kind, upload in
              (("favicon", request.files.get("fav")), ("cover", request.files.get("cov"))) if upload is not None}
    update_white_label(
        actor(), settings=parsing.white_label_settings(parsing.json_parameter("wl")),
        support_numbers=parsing.support_numbers(parsing.json_parameter("sn", required=False)), images=images)
    return success()


# 3. PBTs ----------------------------------------------------------------------------------------------

@route("/pbts", methods=["GET"])
def pbts():
    return success(pbts=[serializers.pbt(test) for test in catalogue()])


@route("/pbts/add", methods=["POST"])
def add_pbts():
    """Each test is added on its own (a savepoint each): one that fails is reported, the others stay."""
    added = []
    for pbt_id in parsing.pbt_ids(parsing.json_parameter("pbts")):
        try:
            with db.session.begin_nested():
                assessment = add_to_institute(actor(), pbt_id)
        except PermissionDenied:
            raise
        except NotFound:
            added.append({"pbtId": pbt_id, "added": False, "message": "Invalid Pbt Id", "assessmentId": 0})
        except DomainError as error:
            added.append({"pbtId": pbt_id, "added": False, "message": error.message, "assessmentId": 0})
        else:
            added.append({"pbtId": pbt_id, "added": True, "message": None, "assessmentId": assessment.id})
    return success(pbts=added)


# 4. Assessments ---------------------------------------------------------------------------------------

ASSESSMENT_SORTS = ("createdAt", "testTaken", "name")
SITTING_SORTS = ("testStartTime", "name")


@route("/assessments", methods=["POST"])
def create_assessment_view():
    assessment = create_assessment(actor(), parsing.assessment_input(parsing.json_parameter("assessments")))
    return success(assessmentId=assessment.id)


@route("/assessments", methods=["GET"])
def assessments():
    paging = parsing.paging(ASSESSMENT_SORTS)
    page = assessments_page(actor(), offset=paging.offset, limit=paging.limit, sort=paging.sort,
                            descending=paging.descending)
    return success(assessments=[serializers.assessment(item, taken) for item, taken in page.items],
                   paging=_paging(page.total, paging))


@route("/assessments/<assessment_id>", methods=["GET"])
def assessment(assessment_id):
    item = get_assessment_or_deleted(actor(), assessment_id)
    return success(assessment=serializers.assessment(item, tests_taken(actor(), item.id)))


@route("/assessments/<assessment_id>/settings/edit", methods=["POST"])
def edit_assessment_settings(assessment_id):
    item = get_assessment_or_deleted(actor(), assessment_id)
    settings = parsing.assessment_settings(parsing.json_parameter("as", code="E022"), item.id)
    item = update_settings(actor(), item.id, settings)
    return success(assessment=serializers.assessment(item, tests_taken(actor(), item.id)))


def _schedules(page: Page, *, with_assessment: bool) -> list[dict]:
    exams = [exam for exam, _ in page.items]
    candidates = registered_candidates(actor(), [exam.id for exam in exams])
    return [serializers.schedule(exam, candidates[exam.id], with_assessment=with_assessment) for exam in exams]


@route("/assessments/<assessment_id>/schedules", methods=["GET"])
def assessment_schedules(assessment_id):
    item = get_assessment_or_deleted(actor(), assessment_id)
    page = exams_page(actor(), assessment_id=item.id,
                      filters=parsing.schedule_filter(parsing.json_parameter("filter", required=False)))
    return success(schedules=_schedules(page, with_assessment=False))


@route("/schedules", methods=["GET"])
def schedules():
    paging = parsing.paging(ASSESSMENT_SORTS)
    page = exams_page(actor(), offset=paging.offset, limit=paging.limit, sort=paging.sort,
                      descending=paging.descending,
                      filters=parsing.schedule_filter(parsing.json_parameter("filter", required=False)))
    return success(schedules=_schedules(page, with_assessment=True), paging=_paging(page.total, paging))


def _schedule(exam) -> dict:
    return serializers.schedule(exam, registered_candidates(actor(), [exam.id])[exam.id])


@route("/schedules/<access_key>", methods=["GET"])
def schedule(access_key):
    return success(schedule=_schedule(exam_for_access_key(actor(), access_key)))


# 5. Creating and editing schedules --------------------------------------------------------------------

@route("/assessments/<assessment_id>/schedules", methods=["POST"])
def create_schedule(assessment_id):
    item = get_assessment_or_deleted(actor(), assessment_id)
    data, candidates = parsing.schedule_input(parsing.json_parameter("sc"),
                                              ExamInput(name="", assessment_id=item.id))
    exam = create_exam(actor(), data)
    change_invitees(actor(), exam, add=candidates.add, send_email=candidates.send_email)
    return success(createdSchedule=serializers.created_schedule(exam))


@route("/schedules/<access_key>/edit", methods=["POST"])
def edit_schedule(access_key):
    exam = exam_for_access_key(actor(), access_key)
    data, candidates = parsing.schedule_input(parsing.json_parameter("sc"), exam_input(exam), editing=True)
    exam = update_exam(actor(), exam.id, data)
    change_invitees(actor(), exam, add=candidates.add, remove=candidates.remove, send_email=candidates.send_email)
    return success(schedule=_schedule(exam))


# 6. Test taking ---------------------------------------------------------------------------------------

@route("/schedules/<access_key>/candidates", methods=["POST"])
def register(access_key):
    exam = exam_for_access_key(actor(), access_key)
    rows, context = parsing.registrations(parsing.json_parameter("rd"))
    outcomes = register_candidates(actor(), exam.id, rows, context_data=context, source="api", strict=True)
    return success(registrationStatus=[serializers.registration_status(outcome) for outcome in outcomes])


@route("/schedules/<access_key>/candidates", methods=["GET"])
def schedule_candidates(access_key):
    exam = exam_for_access_key(actor(), access_key)
    paging, with_responses = parsing.paging(SITTING_SORTS), parsing.flag("qr")
    page = exam_sittings_page(actor(), exam, offset=paging.offset, limit=paging.limit, sort=paging.sort,
                              descending=paging.descending)
    papers, ranks = sitting_papers(page.items), standings(page.items)
    return success(candidates=[serializers.candidate(sitting, papers[sitting.id], ranks[sitting.id],
                                                     question_responses=with_responses)
                               for sitting in page.items], paging=_paging(page.total, paging))


def _sitting(access_key: str, email: str):
    exam = exam_for_access_key(actor(), access_key)
    sitting = sitting_for_email(actor(), exam, parsing.email(email))
    if sitting is None:
        raise NotFound("Candidate registration", code="E009")
    return sitting


@route("/schedules/<access_key>/candidates/<email>", methods=["GET"])
def schedule_candidate(access_key, email):
    sitting, with_responses = _sitting(access_key, email), parsing.flag("qr")
    paper = sitting_papers([sitting])[sitting.id]
    return success(candidate=serializers.candidate(sitting, paper, standings([sitting])[sitting.id],
                                                   question_responses=with_responses))


@route("/schedules/<access_key>/candidates/<email>", methods=["DELETE"])
def delete_report(access_key, email):
    exam = exam_for_access_key(actor(), access_key)
    address = parsing.email(email)
    sitting = sitting_for_email(actor(), exam, address)
    if sitting is None:
        # A candidate of the institute whose report is gone (deleted before, or never made): E006.
        raise (NotFound("Report", code="E006") if candidate_for_email(actor(), address)
               else NotFound("Candidate registration", code="E009"))
    proctoring.delete_report(actor(), sitting.id)
    return success()


# 7. Candidates ----------------------------------------------------------------------------------------

@route("/candidates/<email>", methods=["GET"])
def candidate(email):
    with_responses = parsing.flag("qr")
    found = candidate_for_email(actor(), parsing.email(email))
    if found is None:
        raise NotFound("Candidate", code="E009")
    sittings = candidate_sittings(actor(), found)
    papers, ranks = sitting_papers(sittings), standings(sittings)
    return success(testInstances=[serializers.test_instance(sitting, papers[sitting.id], ranks[sitting.id],
                                                            question_responses=with_responses)
                                  for sitting in sittings])


# The contract -----------------------------------------------------------------------------------------

@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(document())
