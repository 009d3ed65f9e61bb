"""Password reset by e-mail and two-factor sign-in (TOTP and recovery codes), in the services and through
the console's pages: single-use and expiring links, the same answer for an unknown address, rate limits,
codes computed here with pyotp, replays refused, and an institute's requirement."""
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import PASSWORD, log_in
from webapp import create_app
from webapp.accounts import services, two_factor
from webapp.accounts.credentials import issue_credential
from webapp.accounts.models import RecoveryCode, User
from webapp.audit.models import AuditEntry
from webapp.core import clock
from webapp.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.notifications.models import OutboxMessage

NEW_PASSWORD = "a-brand-new-password"
# A moment in the middle of a 30-second TOTP step: a code made here is the same all through the test.
T0 = datetime(2031, 3, 4, 9, 0, 15, tzinfo=timezone.utc)


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _reset_link(message: OutboxMessage) -> str:
    return next(word for word in message.payload["text"].split() if "/set-password/" in word)


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def _reset_mails() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "password_reset")))


def _actions(user: User) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == user.id,
                                                                   AuditEntry.target_type == "user")
                                   .order_by(AuditEntry.id)))


# Password reset ------------------------------------------------------------------------------------------

def test_a_reset_link_is_mailed_in_the_users_language_and_works_once(admin):
    clock.freeze(T0)
    services.set_own_language(admin, "de")
    services.request_password_reset(f"  {admin.email.upper()} ")
    db.session.commit()
    [message] = _reset_mails()
    assert message.recipient == admin.email and message.institute_id == admin.institute_id
    assert "Passwort" in message.payload["subject"]
    link = _reset_link(message)
    assert link.startswith("http://proctora.localhost/set-password/") and link in message.payload["html"]
    assert "password.reset_requested" in _actions(admin)

    services.set_password_with_token(_token(link), NEW_PASSWORD, NEW_PASSWORD)
    db.session.commit()
    assert services.authenticate(admin.email, NEW_PASSWORD) == admin
    assert _actions(admin)[-2:] == ["password.reset", "login.success"]
    # Used once: the same link is refused, and cannot set another password.
    with pytest.raises(NotFound):
        services.set_password_with_token(_token(link), "yet-another-password", "yet-another-password")


def test_a_password_change_invalidates_older_reset_links(admin):
    clock.freeze(T0)
    services.request_password_reset(admin.email)
    clock.move(timedelta(minutes=1))
    services.request_password_reset(admin.email)
    db.session.commit()
    first, second = (_token(_reset_link(message)) for message in _reset_mails())
    services.change_password(admin, current=PASSWORD, new=NEW_PASSWORD, confirmation=NEW_PASSWORD)
    db.session.commit()
    for token in (first, second):
        with pytest.raises(NotFound):
            services.user_for_password_token(token)


def test_a_reset_link_expires_after_an_hour_on_the_one_clock(admin):
    clock.freeze(T0)
    services.request_password_reset(admin.email)
    db.session.commit()
    token = _token(_reset_link(_reset_mails()[0]))
    clock.move(timedelta(seconds=services.RESET_PASSWORD_MAX_AGE - 60))
    assert services.user_for_password_token(token) == admin
    clock.move(timedelta(seconds=120))
    with pytest.raises(ValidationError) as error:
        services.user_for_password_token(token)
    assert "Forgot your password?" in error.value.message
    # An invitation's link, made at the same moment, still has its seven days.
    assert services.user_for_password_token(_token(services.set_password_url(admin))) == admin


def test_an_unknown_or_deactivated_address_is_answered_the_same_and_mails_nothing(client, admin, factory):
    proctor = factory.staff(admin.institute, "proctor")
    services.update_staff(admin, proctor.id, name=proctor.name, role="proctor", active=False)
    db.session.commit()
    answers = [client.post("/forgot-password", data={"email": email}, follow_redirects=True)
               for email in ("nobody@example.com", proctor.email, admin.email)]
    flashes = [[item.get_text(strip=True) for item in _page(answer).select(".flash-info")] for answer in answers]
    assert [len(flash) for flash in flashes] == [1, 1, 1]
    assert [flash[0].replace(email, "ADDRESS") for flash, email in
            zip(flashes, ("nobody@example.com", proctor.email, admin.email))] == [
        "If ADDRESS belongs to an account, an e-mail with a link to choose a new password is on its way."] * 3
    assert [message.recipient for message in _reset_mails()] == [admin.email]


def test_the_log_in_page_leads_to_the_reset_and_the_link_sets_the_password(client, admin):
    link = _page(client.get("/login")).find("a", string="Forgot your password?")
    assert link["href"] == "/forgot-password"
    client.post("/forgot-password", data={"email": admin.email})
    path = _reset_link(_reset_mails()[0]).removeprefix("http://proctora.localhost")
    response = client.post(path, data={"new_password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert response.headers["Location"] == "/login"
    assert client.post(path, data={"new_password": "another-password-1", "confirmation": "another-password-1"}
                       ).status_code == 404
    log_in(client, admin, NEW_PASSWORD)


def test_reset_requests_are_rate_limited_per_address_and_per_client(app_config, admin):
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "PASSWORD_RESET_RATE_LIMIT": "2 per hour",
                          "PASSWORD_RESET_IP_RATE_LIMIT": "4 per hour"})
    client = limited.test_client()
    asked = [client.post("/forgot-password", data={"email": admin.email}).status_code for _ in range(3)]
    assert asked == [302, 302, 429]
    refused = client.post("/forgot-password", data={"email": admin.email.upper()})
    assert refused.status_code == 429
    assert "Too many password reset requests. Please wait an hour" in refused.get_data(as_text=True)
    assert len(_reset_mails()) == 2
    # Other addresses from the same client count towards its own limit.
    others = [client.post("/forgot-password", data={"email": f"x{n}@example.com"}).status_code for n in range(3)]
    assert others == [302, 302, 429]


# Two-factor sign-in --------------------------------------------------------------------------------------

def _enrol(user: User) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol `user` as the app would: the code for the secret shown, at the clock's time."""
    totp = pyotp.TOTP(two_factor.begin_enrolment(user))
    codes = two_factor.confirm_enrolment(user, totp.at(clock.utcnow()))
    db.session.commit()
    return totp, codes


def test_enrolment_is_confirmed_by_a_code_and_the_secret_is_stored_encrypted(admin):
    clock.freeze(T0)
    secret = two_factor.begin_enrolment(admin)
    assert not admin.has_two_factor and secret not in admin.totp_secret_encrypted
    assert b"<svg" in two_factor.qr_code_svg(admin)
    with pytest.raises(ValidationError):
        two_factor.confirm_enrolment(admin, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert not admin.has_two_factor
    codes = two_factor.confirm_enrolment(admin, pyotp.TOTP(secret).at(T0))
    db.session.commit()
    assert admin.has_two_factor and len(codes) == len(set(codes)) == two_factor.RECOVERY_CODE_COUNT
    stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id)))
    assert len(stored) == len(codes) and not stored & set(codes)
    assert "two_factor.enable" in _actions(admin)


def test_a_code_is_accepted_once_and_near_steps_only(admin):
    clock.freeze(T0)
    totp, _codes = _enrol(admin)
    # The code that confirmed the enrolment cannot sign in: its step is taken.
    assert two_factor.finish_sign_in(admin, totp.at(T0)) is None
    clock.move(timedelta(seconds=30))
    code = totp.at(clock.utcnow())
    assert two_factor.finish_sign_in(admin, f" {code[:3]} {code[3:]} ") == admin
    assert two_factor.finish_sign_in(admin, code) is None          # replayed within its window
    clock.move(timedelta(seconds=30))
    # A code two steps old is refused; the next step's (a phone's clock a little ahead) is taken.
    assert two_factor.finish_sign_in(admin, totp.at(clock.utcnow() - timedelta(seconds=60))) is None
    assert two_factor.finish_sign_in(admin, totp.at(clock.utcnow() + timedelta(seconds=30))) == admin
    db.session.commit()
    assert _actions(admin).count("two_factor.failure") == 3


def test_a_code_taken_by_another_request_is_refused_whatever_this_one_read(app, admin):
    clock.freeze(T0)
    totp, codes = _enrol(admin)
    clock.move(timedelta(seconds=30))
    code = totp.at(clock.utcnow())
    assert admin.totp_last_step == totp.timecode(T0)      # what this request read
    with app.app_context():                                # another request, at the same moment
        other = db.session.get(User, admin.id)
        assert two_factor.finish_sign_in(other, code) == other
        assert two_factor.finish_sign_in(other, codes[0]) == other
        db.session.commit()
    assert admin.totp_last_step == totp.timecode(T0)
    assert two_factor.finish_sign_in(admin, code) is None
    assert two_factor.finish_sign_in(admin, codes[0]) is None


def test_a_recovery_code_signs_in_once(admin):
    clock.freeze(T0)
    _totp, codes = _enrol(admin)
    assert two_factor.unused_recovery_codes(admin) == 10
    assert two_factor.finish_sign_in(admin, codes[3].upper()) == admin
    assert two_factor.finish_sign_in(admin, codes[3]) is None
    assert two_factor.unused_recovery_codes(admin) == 9


def test_new_recovery_codes_and_turning_off_need_the_password_and_a_code(admin):
    clock.freeze(T0)
    totp, old_codes = _enrol(admin)
    clock.move(timedelta(seconds=30))
    with pytest.raises(ValidationError) as error:
        two_factor.regenerate_recovery_codes(admin, password="wrong-password", code=totp.at(clock.utcnow()))
    assert error.value.field == "password"
    new_codes = two_factor.regenerate_recovery_codes(admin, password=PASSWORD, code=totp.at(clock.utcnow()))
    assert two_factor.finish_sign_in(admin, old_codes[0]) is None
    clock.move(timedelta(seconds=30))
    with pytest.raises(ValidationError) as error:
        two_factor.disable(admin, password=PASSWORD, code="12345")
    assert error.value.field == "code"
    two_factor.disable(admin, password=PASSWORD, code=new_codes[0])
    db.session.commit()
    assert not admin.has_two_factor and admin.totp_secret_encrypted == ""
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert services.authenticate(admin.email, PASSWORD) == admin


def test_the_institute_can_require_two_factor_sign_in(client, admin, factory):
    examiner = factory.staff(admin.institute, "examiner")
    details = {field: getattr(admin.institute, field) for field in services.INSTITUTE_FIELDS}
    services.update_institute(admin, **{**details, "require_two_factor": True})
    db.session.commit()
    assert two_factor.enrolment_required(examiner)
    log_in(client, examiner)
    # Before anything else: every console page leads to the set-up.
    for path in ("/", "/exams", "/staff"):
        response = client.get(path)
        assert response.headers["Location"] == "/account/two-factor", path
    page = _page(client.get("/account/two-factor"))
    assert page.select_one(".two-factor-status")["data-status"] == "off"
    clock.freeze(T0)
    assert client.post("/account/two-factor/begin").headers["Location"] == "/account/two-factor/confirm"
    confirm = _page(client.get("/account/two-factor/confirm"))
    secret = confirm.select_one(".totp-secret").get_text(strip=True)
    svg = client.get(confirm.select_one("img.qr-code")["src"])
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data and secret.encode() not in svg.data
    done = _page(client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).at(T0)}))
    assert len(done.select(".recovery-codes code")) == two_factor.RECOVERY_CODE_COUNT
    assert client.get("/exams").status_code == 200
    client.post("/logout")
    log_in(client, admin)
    assert client.get("/staff").headers["Location"] == "/account/two-factor"   # the admin too
    # Where it is required, it cannot be turned off.
    db.session.expire_all()
    with pytest.raises(Conflict):
        two_factor.disable(db.session.get(User, examiner.id), password=PASSWORD, code="000000")


def test_api_keys_are_not_affected_by_the_requirement(client, admin):
    details = {field: getattr(admin.institute, field) for field in services.INSTITUTE_FIELDS}
    services.update_institute(admin, **{**details, "require_two_factor": True})
    _credential, issued = issue_credential(admin.institute_id)
    db.session.commit()
    # Even from a browser whose console session is led to the set-up.
    log_in(client, admin)
    assert client.get("/").headers["Location"] == "/account/two-factor"
    response = client.get("/api/v1/exams", headers={"Authorization": f"apiEuroToken {issued.euro_token}"})
    assert response.status_code == 200 and response.get_json()["exams"] == []


def test_signing_in_asks_for_the_code_after_the_password(client, admin):
    clock.freeze(T0)
    totp, codes = _enrol(admin)
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD, "next": "/staff"})
    assert response.headers["Location"] == "/login/code"
    # Not in yet.
    assert client.get("/").headers["Location"].startswith("/login")
    wrong = client.post("/login/code", data={"code": "12345678"})
    assert [error.get_text() for error in _page(wrong).select(".field-error")] == [
        "That code is not right, or it has been used already."]
    clock.move(timedelta(seconds=30))
    assert client.post("/login/code", data={"code": totp.at(clock.utcnow())}).headers["Location"] == "/staff"
    assert client.get("/").status_code == 200
    assert _actions(admin)[-2:] == ["two_factor.failure", "login.success"]


def test_a_pending_sign_in_lapses(client, admin):
    clock.freeze(T0)
    _totp, codes = _enrol(admin)
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    clock.move(timedelta(seconds=two_factor.PENDING_SIGN_IN_SECONDS + 1))
    response = client.post("/login/code", data={"code": codes[0]})
    assert response.headers["Location"] == "/login"
    assert client.get("/login/code").headers["Location"] == "/login"


def test_a_reset_password_still_needs_the_second_factor(client, admin):
    clock.freeze(T0)
    _totp, codes = _enrol(admin)
    services.request_password_reset(admin.email)
    db.session.commit()
    path = _reset_link(_reset_mails()[0]).removeprefix("http://proctora.localhost")
    client.post(path, data={"new_password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    response = client.post("/login", data={"email": admin.email, "password": NEW_PASSWORD})
    assert response.headers["Location"] == "/login/code"
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.post("/login/code", data={"code": codes[0]}).headers["Location"] == "/"


def test_code_attempts_are_rate_limited(app_config, admin):
    clock.freeze(T0)
    totp, _codes = _enrol(admin)
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "TWO_FACTOR_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    tries = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(3)]
    assert tries == [200, 200, 200]
    clock.move(timedelta(seconds=30))
    refused = client.post("/login/code", data={"code": totp.at(clock.utcnow())})
    assert refused.status_code == 429
    assert "Too many codes tried" in refused.get_data(as_text=True)
    # Another browser signing in as the same person counts on the same account.
    other = limited.test_client()
    other.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert other.post("/login/code", data={"code": totp.at(clock.utcnow())}).status_code == 429


def test_the_console_pages_turn_two_factor_sign_in_on_and_off(admin_client, admin):
    clock.freeze(T0)
    admin_client.post("/account/two-factor/begin")
    secret = _page(admin_client.get("/account/two-factor/confirm")).select_one(".totp-secret").get_text(strip=True)
    totp = pyotp.TOTP(secret)
    admin_client.post("/account/two-factor/confirm", data={"code": totp.at(T0)})
    page = _page(admin_client.get("/account/two-factor"))
    assert page.select_one(".two-factor-status")["data-status"] == "on"
    assert "10 unused recovery codes are left." in page.get_text()
    rows = _page(admin_client.get("/staff")).select("table.striped tbody tr")
    assert [bool(row.select("[data-two-factor]")) for row in rows] == [True]
    refused = admin_client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": totp.at(T0)})
    assert refused.status_code == 400
    assert "That code is not right, or it has been used already." in refused.get_data(as_text=True)
    clock.move(timedelta(seconds=30))
    codes = _page(admin_client.post("/account/two-factor/recovery-codes",
                                    data={"password": PASSWORD, "code": totp.at(clock.utcnow())}))
    fresh = [code.get_text() for code in codes.select(".recovery-codes code")]
    assert len(fresh) == 10
    response = admin_client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": fresh[0]})
    assert response.headers["Location"] == "/account/two-factor"
    db.session.expire_all()
    assert not db.session.get(User, admin.id).has_two_factor


def test_an_administrator_turns_off_a_colleagues_lost_second_factor(admin_client, admin, factory):
    clock.freeze(T0)
    examiner, proctor = factory.staff(admin.institute, "examiner"), factory.staff(admin.institute, "proctor")
    outsider = factory.staff(factory.institute("Other School")[0], "examiner")
    for user in (examiner, outsider):
        _enrol(user)
    assert "Turn two-factor sign-in off" not in _page(admin_client.get(f"/staff/{proctor.id}")).get_text()
    with pytest.raises(PermissionDenied):
        two_factor.reset_for_colleague(examiner, examiner.id)
    with pytest.raises(NotFound):
        two_factor.reset_for_colleague(admin, outsider.id)
    with pytest.raises(Conflict):
        two_factor.reset_for_colleague(admin, proctor.id)
    db.session.rollback()
    page = _page(admin_client.get(f"/staff/{examiner.id}"))
    button = page.find("button", string="Turn two-factor sign-in off")
    assert button["data-confirm"] == f"Turn off the two-factor sign-in of {examiner.name}?"
    response = admin_client.post(button.find_parent("form")["action"])
    assert response.headers["Location"] == f"/staff/{examiner.id}"
    db.session.expire_all()
    assert not db.session.get(User, examiner.id).has_two_factor and db.session.get(User, outsider.id).has_two_factor
    assert _actions(examiner)[-1] == "two_factor.reset"
    assert services.authenticate(examiner.email, PASSWORD).id == examiner.id
