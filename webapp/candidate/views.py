"""The candidate's pages: the open exam link, the personal link (one URL whose page follows the
sitting's state), the check, the waiting room, the instructions, the exam with its JSON endpoints
(answers, clock, position, events), the finish summary and the done page.

There is no login: the personal link's token is the candidate's key, and it alone authorises every
request about the sitting. No candidate request depends on the session cookie, which can vanish mid-exam
(cookies cleared, a new SECRET_KEY, a second instance, a privacy setting) and with it an answer; so the
sitting's POSTs are exempt from the session's CSRF token, and posts from another site's page are refused
by what the browser says of their origin instead (`web.cross_site_request`). Every change is one call to the
sitting services. The JSON endpoints are what thousands of open exam pages call: each loads the sitting
by its token (one query) and makes one change, and never loads the paper or the exam."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.candidate.forms import CheckForm
from webapp.candidate import questions
from webapp.candidate.messages import (PROBLEM_TITLES, cross_site_message, label_registration_inputs,
                                       registration_message, script_messages)
from webapp.candidates.services import remember_language
from webapp.core import storage
from webapp.bank.services import MAX_ANSWER_FILE_MB
from webapp.core.errors import Conflict, NotFound, ValidationError, wants_json
from webapp.core.serving import sheddable
from webapp.core.extensions import csrf, limiter
from webapp.core.validation import accepts_up_to
from webapp.exams.models import AccessType
from webapp.exams.services import candidate_entry, describe_window, entry_exam, exam_by_access_key
from webapp.exams.windows import parse_time_zone
from webapp.lti import proctored as lti_proctoring
from webapp.proctoring import conversations, services as proctoring
from webapp.results import release
from webapp.sittings import media as sitting_media, retakes, taking
from webapp.sittings.models import SittingStatus
from webapp.sittings.scoring import is_answered, result_summary
from webapp.sittings.services import register_through_open_link
from webapp.web import attempt, candidate_page, cross_site_request
from webapp.web.media import send_media
from webapp.web.forms import one_candidate_form
from webapp.web.language import chosen_language, read_page_in

blueprint = Blueprint("candidate", __name__)

S = SittingStatus
# Anyone may register through an open link: enough for a room sharing one address, not for a script.
REGISTRATION_RATE_LIMIT = "30 per minute"
# A candidate writes the proctor now and then: the limit stops a script, counted per link rather than per
# address (a test room shares one).
MESSAGE_RATE_LIMIT = "10 per minute"
MAX_SNAPSHOT_BYTES = storage.MAX_IMAGE_BYTES
PROBLEM_STATUS = {"unknown": 404, "inactive": 403, "ip_not_allowed": 403, "closed": 403, "not_yet_open": 200,
                  "by_invitation": 200, "cross_site": 403}


@blueprint.context_processor
def _template_helpers():
    return {"is_answered": is_answered, "script_messages": script_messages, "problem_titles": PROBLEM_TITLES}


@blueprint.after_request
def no_store(response):
    # Questions, answers and results must not stay in a shared computer's cache or come back with Back.
    # The items' media are the exception: preloaded before Start, they must come from the cache (web/media.py).
    if request.endpoint != "candidate.media_file":
        response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.before_request
def refuse_cross_site_posts():
    """A page of another site must not answer, finish or upload for a candidate whose link it knows."""
    if not cross_site_request():
        return None
    if wants_json():
        return jsonify({"status": "error", "error": {"code": "E403", "message": cross_site_message()}}), 403
    return _problem("cross_site")


@blueprint.errorhandler(NotFound)
@blueprint.errorhandler(404)
def not_found(error):
    """An unknown link (or one the edge guard refused, such as a token with a NUL byte) gets the
    candidate's own page, without the console's navigation."""
    if wants_json():
        code, message = (error.code, error.message) if isinstance(error, NotFound) else ("E001", _("Link not found."))
        return jsonify({"status": "error", "error": {"code": code, "message": message}}), 404
    return _problem("unknown")


def _ip() -> str:
    return request.remote_addr or ""


def _named_zone(zone: str) -> str:
    """An IANA time zone's name, or "" for anything else (such as Mettl's fixed offsets, "UTC+05:30")."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return zone


def _read_in(*, sitting=None, exam=None, institute=None) -> None:
    """The page is read in the candidate's chosen language, else the exam's, else its institute's; a
    language chosen on the page (`?lang=`) is remembered for the candidate's later pages and e-mails.
    Called as soon as the view has loaded what the page is about, before any text is chosen."""
    chosen = chosen_language()
    # A choice made on this page, or before on another (the registration form) by a candidate with none yet.
    if sitting is not None and chosen and (request.args.get("lang") or not sitting.candidate.language):
        remember_language(sitting.candidate, chosen)
    languages = [sitting.candidate.language if sitting is not None else "", exam.language if exam else "",
                 institute.language if institute else ""]
    zones = [exam.time_zone if exam else "", institute.time_zone if institute else ""]
    read_page_in(language=next(filter(None, languages), ""),
                 time_zone=next(filter(None, map(_named_zone, filter(None, zones))), ""))


def _problem(kind: str, exam=None, detail=None):
    opens_at = None
    if kind == "not_yet_open" and detail is not None:
        opens_at = detail.start.astimezone(parse_time_zone(exam.time_zone))
    return candidate_page("candidate/problem.html", kind=kind, exam=exam, detail=detail, opens_at=opens_at,
                          window=describe_window(exam) if exam else None,
                          institute=exam.institute if exam else None), PROBLEM_STATUS[kind]


def _back(token: str):
    """To the personal link, whose page says where the candidate now is."""
    return redirect(url_for(".sitting_page", token=token))


def _going_on(token: str, load=taking.sitting_for_token):
    """The sitting behind the link if the candidate may go on now, else None (its page says why)."""
    sitting = load(token)
    return None if taking.access_problem(sitting, _ip()) else sitting


def _json_body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


# The open exam link -------------------------------------------------------------------------------

@blueprint.route("/t/<access_key>", methods=["GET", "POST"])
@limiter.limit(REGISTRATION_RATE_LIMIT, methods=["POST"])
def open_link(access_key):
    exam = exam_by_access_key(access_key)
    if exam is None:
        return _problem("unknown")
    _read_in(exam=exam, institute=exam.institute)
    problem = taking.exam_access_problem(exam, _ip())
    if problem:
        return _problem(problem[0], exam, problem[1])
    if exam.access_type != AccessType.OPEN_FOR_ALL:
        return _problem("by_invitation", exam)
    form = one_candidate_form(exam.assessment.registration_fields)
    notice = None
    if form.validate_on_submit():
        outcome = register_through_open_link(exam, form.row())
        if outcome.url:
            return redirect(outcome.url)
        if outcome.sitting_id is None and outcome.field:
            form.input_for(outcome.field).errors.append(registration_message(outcome))
        else:
            # Registered before: the personal link went to that e-mail address, never to this page.
            notice = registration_message(outcome)
    return candidate_page("candidate/register.html", exam=exam, institute=exam.institute, form=form, notice=notice,
                          email_input=label_registration_inputs(form, exam.assessment.registration_fields))



# The institute's custom test URL (Mettl's customTestUrl) -------------------------------------------------

@blueprint.route("/authenticateKey/<slug>", methods=["GET", "POST"])
@limiter.limit(REGISTRATION_RATE_LIMIT, methods=["POST"])
def custom_test_url(slug):
    entry = candidate_entry(slug)
    if entry is None:
        return _problem("unknown")
    _read_in(institute=entry.institute)
    wrong_key = False
    if request.method == "POST":
        exam = entry_exam(entry, request.form.get("access_key", ""))
        if exam is not None:
            return redirect(url_for(".open_link", access_key=exam.access_key))
        wrong_key = True
    return candidate_page("candidate/entry.html", entry=entry, institute=entry.institute, slug=slug,
                          wrong_key=wrong_key), 422 if wrong_key else 200


# The personal link: one page per state -------------------------------------------------------------

def _check_page(sitting, form: CheckForm | None = None):
    taking.start_check(sitting, ip_address=_ip())
    return candidate_page("candidate/check.html", sitting=sitting, exam=sitting.exam, institute=sitting.exam.institute,
                          needs=taking.check_requirements(sitting), form=form or CheckForm())


def _waiting_page(sitting):
    return candidate_page("candidate/waiting.html", sitting=sitting, exam=sitting.exam,
                          institute=sitting.exam.institute, refused=proctoring.rejection_reason(sitting))


def _instructions_page(sitting):
    return candidate_page("candidate/instructions.html", sitting=sitting, exam=sitting.exam,
                          assessment=sitting.exam.assessment, institute=sitting.exam.institute,
                          preload=[url_for(".media_file", token=sitting.access_token, media_id=media.id)
                                   for media in sitting_media.media_to_come(sitting)])


def _exam_page(sitting):
    page = taking.exam_page(sitting)
    token = sitting.access_token
    sitting_media.show_media(sitting, page.items, sitting_media.CandidateUrls(
        file=lambda media_id: url_for(".media_file", token=token, media_id=media_id),
        play=lambda media_id: url_for(".play_media", token=token, media_id=media_id)))
    return candidate_page("candidate/exam.html", sitting=sitting, exam=sitting.exam, assessment=sitting.exam.assessment,
                          institute=sitting.exam.institute, **page._asdict(),
                          question_bodies=questions.question_bodies(sitting, page.items, page.total),
                          # Proctoring: how often the clock is asked and a snapshot taken (seconds).
                          clock_every=current_app.config.get("CLOCK_POLL_SECONDS", taking.HEARTBEAT_EVERY.seconds),
                          snapshot_every=current_app.config.get("SNAPSHOT_SECONDS", 60),
                          browsing_left=_browsing_left(sitting),
                          conversation=conversations.candidate_conversation(sitting),
                          max_message=conversations.MAX_MESSAGE)


def _browsing_left(sitting):
    exam = sitting.exam
    if not exam.web_proctoring_enabled:
        return None
    return max(0, exam.web_proctoring_count - taking.browsing_count(sitting))


def _done_page(sitting):
    exam, assessment = sitting.exam, sitting.exam.assessment
    result, state = None, None
    if assessment.show_report_to_candidate_on_exit:
        state = release.result_state(sitting)
        # Read, not re-scored: a grader's marks must survive the candidate looking at the page again.
        result = result_summary(sitting, *taking.items_and_responses(sitting)) if state == "shown" else None
    return candidate_page("candidate/done.html", sitting=sitting, exam=exam, institute=exam.institute, result=result,
                          withheld=state == "withheld", pending=state == "pending",
                          termination_reason=proctoring.termination_reason(sitting),
                          exit_url=exam.exit_redirection_url or assessment.exit_redirection_url,
                          offer=retakes.retake_offer(sitting))


PAGES = {S.REGISTERED: _check_page, S.MAIL_SENT: _check_page, S.CHECK_STARTED: _check_page,
         S.CHECK_COMPLETED: _waiting_page, S.EXAM_SESSION_OPENED: _instructions_page, S.EXAM_STARTED: _exam_page,
         S.EXAM_FINISHED: _done_page}


PLATFORM_PAGES = {"to_platform": "candidate/to_platform.html", "ended": "lti/assessment_ended.html"}


@blueprint.get("/s/<token>")
def sitting_page(token):
    sitting = taking.sitting_for_page(token)
    _read_in(sitting=sitting, exam=sitting.exam, institute=sitting.exam.institute)
    problem = taking.access_problem(sitting, _ip())
    if problem and problem[0] != "completed":
        return _problem(problem[0], sitting.exam, problem[1])
    step = lti_proctoring.candidate_step(sitting)
    if step:
        # A learning platform's proctored attempt: the assessment itself is on the platform.
        return candidate_page(PLATFORM_PAGES[step], sitting=sitting, exam=sitting.exam, institute=sitting.exam.institute)
    return PAGES[sitting.status](sitting)


@blueprint.post("/s/<token>/check")
@csrf.exempt
def check(token):
    sitting = _going_on(token)
    if sitting is None or sitting.status != S.CHECK_STARTED:
        return _back(token)   # sent twice, or from an old tab: the link shows where things stand
    _read_in(sitting=sitting, exam=sitting.exam, institute=sitting.exam.institute)
    form = CheckForm()
    if form.validate_on_submit() and attempt(form, _complete_check, sitting, form):
        return _back(token)
    return _check_page(sitting, form)


def _complete_check(sitting, form: CheckForm) -> bool:
    taking.complete_check(sitting, browser=form.browser_details(), consent=form.consent.data,
                          photos={kind: form.photo(kind) for kind in storage.KINDS})
    return True


@blueprint.get("/s/<token>/waiting")
def waiting(token):
    """The waiting page's poll: nothing while the candidate waits, else a redirect to the link's page."""
    sitting = taking.sitting_for_token(token)
    problem = taking.access_problem(sitting, _ip())
    if not problem:
        taking.open_session_if_ready(sitting)   # a window that has opened since lets the candidate in
    if not problem and sitting.status == S.CHECK_COMPLETED:
        # Proctoring: a proctor's refusal is shown on the waiting page as soon as it is made.
        refused = proctoring.rejection_reason(sitting) if sitting.exam.admission_required else None
        if refused:
            _read_in(sitting=sitting, exam=sitting.exam, institute=sitting.exam.institute)
            return render_template("candidate/_refused.html", refused=refused)
        return "", 204
    response = Response("")
    response.headers["HX-Redirect"] = url_for(".sitting_page", token=token)
    return response


@blueprint.post("/s/<token>/start")
@csrf.exempt
def start(token):
    sitting = _going_on(token, load=taking.sitting_to_start)
    if sitting is not None and sitting.status == S.EXAM_SESSION_OPENED:   # a second click finds it started
        taking.start_exam(sitting)
    return _back(token)


@blueprint.post("/s/<token>/next-section")
@csrf.exempt
def next_section(token):
    sitting = _going_on(token)
    if sitting is not None and sitting.status == S.EXAM_STARTED:
        taking.next_section(sitting)
    return _back(token)


@blueprint.post("/s/<token>/next-item")
@csrf.exempt
def next_item(token):
    """An adaptive test: done with the question shown (its answer is on the server), on to the next one the
    server chooses, or to the end. Sent twice, or from an old tab, the link shows where things stand."""
    sitting = _going_on(token)
    if sitting is not None and sitting.status == S.EXAM_STARTED:
        taking.next_adaptive_item(sitting, request.form.get("item_id"))
    return _back(token)


@blueprint.get("/s/<token>/finish")
def summary(token):
    sitting = _going_on(token)
    if sitting is None or sitting.status != S.EXAM_STARTED:
        return _back(token)
    _read_in(sitting=sitting, exam=sitting.exam, institute=sitting.exam.institute)
    items, responses = taking.items_and_responses(sitting)
    return candidate_page("candidate/summary.html", sitting=sitting, exam=sitting.exam, institute=sitting.exam.institute,
                          counts=taking.progress(sitting, responses, items), items=items, responses=responses,
                          timed=taking.is_timed(sitting))


@blueprint.post("/s/<token>/finish")
@csrf.exempt
def finish(token):
    sitting = _going_on(token)
    if sitting is not None and sitting.status == S.EXAM_STARTED:
        taking.finish(sitting)
    return _back(token)


@blueprint.post("/s/<token>/retake")
@csrf.exempt
def retake(token):
    """The next attempt, a new sitting with a link of its own; refused, the done page says why."""
    try:
        sitting = retakes.start_retake(taking.sitting_for_token(token))
    except Conflict:
        return _back(token)
    return _back(sitting.access_token)


# The exam page's JSON endpoints (the hot path) -----------------------------------------------------

@blueprint.post("/s/<token>/answers")
@csrf.exempt
@sheddable   # the page keeps an unacknowledged answer and sends it again
def save_answer(token):
    body = _json_body()
    saved = taking.save_answer_by_link(token, body.get("item_id"), answer=body.get("answer"),
                                       version=body.get("version"), flagged=body.get("flagged") is True)
    return {"saved": saved.result.saved, "version": saved.result.version, "remaining": saved.remaining,
            "section": saved.section}


@blueprint.post("/s/<token>/files")
@csrf.exempt
# Files are larger than other requests may be: up to the largest an item may allow, and a little form.
@accepts_up_to(MAX_ANSWER_FILE_MB * taking.MEGABYTE + 64 * 1024)
def upload_answer_file(token):
    """A file-upload item's file (multipart: item_id, file); the page then saves the answer it returns."""
    sitting = taking.sitting_for_token(token)
    sent = request.files.get("file")
    if sent is None:
        raise ValidationError(_("Choose a file to send."), field="file")
    uploaded = taking.upload_answer_file(sitting, request.form.get("item_id"), sent.filename or "", sent.read())
    return {"answer": uploaded.as_answer(), "remaining": taking.remaining_seconds(sitting)}


@blueprint.get("/s/<token>/clock")
@sheddable   # the page asks again at its next tick
def clock(token):
    # Proctoring: the poll is the page's heartbeat and brings the proctor's messages.
    return proctoring.clock(token)


def _link_token() -> str:
    return (request.view_args or {}).get("token", "")


@blueprint.post("/s/<token>/messages")
@csrf.exempt
@limiter.limit(MESSAGE_RATE_LIMIT, key_func=_link_token)
def send_message(token):
    """Proctoring: the candidate's message to the proctor (JSON: key, body), from the exam page's panel."""
    sitting = taking.sitting_for_token(token)
    body = _json_body()
    message = conversations.candidate_says(sitting, body.get("body"), body.get("key"))
    return {"sent": True, "at": message.created_at.isoformat()}


@blueprint.post("/s/<token>/position")
@csrf.exempt
def position(token):
    return {"position": taking.move_by_link(token, _json_body().get("position"))}


@blueprint.post("/s/<token>/events")
@csrf.exempt
def record_event(token):
    sitting = taking.sitting_for_token(token)
    return taking.record_candidate_event(sitting, _json_body().get("kind"))


@blueprint.post("/s/<token>/snapshot")
@csrf.exempt
def snapshot(token):
    """Proctoring: a webcam snapshot from the running exam page (the image is the request body)."""
    sitting = taking.sitting_for_token(token)
    shot = proctoring.store_snapshot(sitting, request.get_data(cache=False)[:MAX_SNAPSHOT_BYTES + 1])
    return {"stored": True, "at": shot.created_at.isoformat()}


@blueprint.get("/s/<token>/media/<int:media_id>")
def media_file(token, media_id):
    """A picture, recording or video of the sitting's items, while the candidate may go on."""
    sitting = _going_on(token)
    if sitting is None:
        raise NotFound("Media")
    return send_media(sitting_media.sitting_media(sitting, media_id))


@blueprint.post("/s/<token>/media/<int:media_id>/play")
@csrf.exempt
def play_media(token, media_id):
    """Asked before each play of a recording: counted, or refused once its item's plays are used up."""
    sitting = taking.sitting_for_token(token)
    return sitting_media.play(sitting, _json_body().get("item_id"), media_id)
