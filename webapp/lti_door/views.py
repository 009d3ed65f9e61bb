"""/lti/...: what a learning platform calls. The launch is a cross-site POST from the platform, so it carries
no CSRF token of ours: its id_token, checked against the platform's keys and the browser's state cookie, is
its proof. Pages shown inside the platform's iframe get a Content-Security-Policy whose frame-ancestors lists
the registered platforms (wiring.py), and the cookies the flow needs are SameSite=None over HTTPS."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import login_user

from webapp.core.extensions import csrf, db
from webapp.core.unit_of_work import commit_request
from webapp.lti import deep_linking, keys, proctored
from webapp.lti.launch import STATE_MAX_AGE, LaunchRefused, record_refusal, start_login
from webapp.lti.services import sign_in_token, user_for_sign_in

blueprint = Blueprint("lti", __name__, url_prefix="/lti")
csrf.exempt(blueprint)

# Set after the browser's cookie check (static/js/lti-cookie-check.js) let the login go on inside the iframe.
CHECKED = "cookies_checked"


def _in_iframe() -> bool:
    # The browser's own word on where the page will be shown.
    return request.headers.get("Sec-Fetch-Dest") == "iframe"


def _refused(refusal: LaunchRefused):
    """The clear page, and the audit entry kept though the launch's own changes are dropped."""
    db.session.rollback()
    record_refusal(refusal)
    commit_request()
    return render_template("lti/refused.html", message=refusal.message, reason=refusal.reason,
                           login_again=_in_iframe() and refusal.reason == "state_cookie_missing"), refusal.status


@blueprint.get("/jwks")
def jwks():
    return jsonify(keys.published_keys())


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    params = {name: value for name, value in request.values.items() if name != CHECKED}
    if _in_iframe() and not request.values.get(CHECKED):
        # Whether this browser keeps a cookie set inside the platform's page; if not, the login goes on in a
        # new window, where it does.
        return render_template("lti/cookie_check.html", go_on=url_for(".login", **params, **{CHECKED: "1"}),
                               new_window=url_for(".login", **params))
    try:
        started = start_login(params)
    except LaunchRefused as refusal:
        return _refused(refusal)
    response = redirect(started.url)
    response.set_cookie(started.cookie_name, started.cookie_value, max_age=STATE_MAX_AGE, httponly=True,
                        secure=request.is_secure, samesite="None" if request.is_secure else "Lax", path="/lti/")
    return response


@blueprint.post("/launch")
def launch():
    try:
        opened = proctored.accept_launch(request.form, request.cookies)
    except LaunchRefused as refusal:
        return _refused(refusal)
    if opened.deep_linking:
        response = make_response(render_template("lti/deep_linking.html", token=opened.deep_linking,
                                                 exams=opened.exams))
    elif opened.ended is not None:
        response = make_response(render_template("lti/assessment_ended.html"))
    elif opened.sitting is not None:
        response = redirect(url_for("candidate.sitting_page", token=opened.sitting.access_token))
    elif _in_iframe():
        # The console's session cookie is not kept inside another site's page: a one-time link signs in
        # in a new window.
        response = make_response(render_template(
            "lti/open_console.html", url=url_for(".sign_in", token=sign_in_token(opened.user, opened.exam))))
    else:
        login_user(opened.user)
        response = redirect(_console_url(opened.exam))
    # The state served its one launch.
    response.delete_cookie(opened.state_cookie, path="/lti/")
    return response


@blueprint.get("/sign-in/<token>")
def sign_in(token):
    """The one-time link an instructor's launch inside an iframe offers, opened in a new window."""
    try:
        user, exam = user_for_sign_in(token)
    except LaunchRefused as refusal:
        return _refused(refusal)
    login_user(user)
    return redirect(_console_url(exam))


@blueprint.post("/deep-linking")
def link_exam():
    """The instructor's choice goes back to the platform: a form that posts itself (static/js/lti-post.js)."""
    try:
        answer = deep_linking.link_exam(request.form.get("token", ""), request.form.get("exam_id"))
    except LaunchRefused as refusal:
        return _refused(refusal)
    # The page's Content-Security-Policy lets its form post there (wiring.py).
    g.lti_form_action = answer.return_url
    return render_template("lti/post_back.html", action=answer.return_url, jwt=answer.jwt)


@blueprint.post("/proctoring/<token>/start")
def start_assessment(token):
    """The candidate passed the check: the signed LtiStartAssessment goes to the platform in a form that posts
    itself (static/js/lti-post.js; a button without JavaScript)."""
    try:
        started = proctored.start_assessment(token, request.remote_addr or "")
    except LaunchRefused as refusal:
        return _refused(refusal)
    g.lti_form_action = started.url
    return render_template("lti/post_back.html", action=started.url, jwt=started.jwt)


def _console_url(exam) -> str:
    return url_for("exams.exam_detail", exam_id=exam.id) if exam is not None else url_for("exams.exam_list")
