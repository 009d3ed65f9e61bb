"""Institutes, staff, passwords and the institutes' white-labelling. Every function that acts for a
user takes that user as `actor` and is limited to the actor's institute."""
from __future__ import annotations

import hashlib
import re
import zoneinfo
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.accounts.models import Institute, ReleasePolicy, User, WhiteLabel
from webapp.core import events, links, storage
from webapp.core.clock import utcnow
from webapp.core.contrast import MINIMUM_TEXT_CONTRAST, contrast_ratio, relative_luminance
from webapp.core.database import get_in_institute
from webapp.core.errors import Conflict, NotFound, ValidationError, parse_enum
from webapp.core.i18n import LANGUAGES
from webapp.core.extensions import db
from webapp.core.permissions import Permission, Role, require
from webapp.core.validation import normalise_email, single_line, web_address
from webapp.notifications.services import queue_email

MIN_PASSWORD_LENGTH = 10
SET_PASSWORD_MAX_AGE = 7 * 24 * 3600
RESET_PASSWORD_MAX_AGE = 3600
# Compared against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("proctora-timing-equaliser")


def _check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(_("The password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH), field=field)


def _email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def institute_by_name(name: str) -> Institute | None:
    return db.session.scalar(select(Institute).where(func.lower(Institute.name) == name.strip().lower()))


def create_institute(name: str, *, admin_email: str, admin_password: str, admin_name: str = "",
                     parent_id: int | None = None, **details) -> tuple[Institute, User]:
    """A new tenant with its first administrator (the CLI and the demo seed use this)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The institute needs a name."), field="name")
    if institute_by_name(name) is not None:
        raise Conflict(_("An institute named '%(name)s' already exists.", name=name), field="name")
    institute = Institute(name=name, parent_id=parent_id, legal_name=details.pop("legal_name", name), **details)
    db.session.add(institute)
    db.session.flush()
    admin = add_staff(institute.id, email=admin_email, name=admin_name, role=Role.ADMIN, password=admin_password,
                      field_prefix="admin_")
    return institute, admin


def add_staff(institute_id: int, *, email: str, name: str, role: Role, password: str,
              field_prefix: str = "") -> User:
    """A staff account with a password, for the CLI and the demo (the console invites instead)."""
    email = normalise_email(email, f"{field_prefix}email")
    if _email_taken(email):
        raise Conflict(_("A staff account with the e-mail %(email)s already exists.", email=email),
                       field=f"{field_prefix}email")
    _check_password_strength(password, f"{field_prefix}password")
    user = User(institute_id=institute_id, email=email, name=(name or "").strip() or email.split("@")[0],
                role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


def _announce(actor: User | None, action: str, target: User | Institute, before: dict, after: dict,
              *, label: str) -> None:
    """Tell the audit log (a floor above, see events.py) what changed, in this transaction."""
    events.accounts_changed.send(actor, action=action, target_type="institute" if isinstance(target, Institute) else "user",
                        target_id=target.id, before=before, after=after, label=label,
                        institute_id=target.id if isinstance(target, Institute) else target.institute_id)


def _staff_label(user: User) -> str:
    return f"{user.name} ({user.email})"


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (the caller shows one message for both).
    Attempts on a known account are audited in its institute's log; an unknown e-mail has no institute.
    A user with two-factor sign-in is not in yet: `two_factor.finish_sign_in` takes the code."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        _announce(None, "login.failure", user, {}, {"active": user.is_active}, label=_staff_label(user))
        return None
    if not user.has_two_factor:
        record_sign_in(user)
    return user


def record_sign_in(user: User) -> None:
    """The user is in: with the password, and the second factor where they have one."""
    user.last_login_at = utcnow()
    _announce(user, "login.success", user, {}, {}, label=_staff_label(user))


def staff_change(actor: User | None, user: User, action: str) -> None:
    """Audit an `action` on a staff account that changes nothing shown (a sign-in step, a second factor);
    `actor` None: someone not signed in."""
    _announce(actor, action, user, {}, {}, label=_staff_label(user))


def load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.is_active else None


# Institute details ---------------------------------------------------------------------------

INSTITUTE_TEXT_FIELDS = ("name", "legal_name", "address", "country", "contact_email", "phone", "website")
# The institute's one-line details as a refusal names them.
INSTITUTE_FIELD_LABELS = {"name": _l("The name"), "legal_name": _l("The legal name"), "country": _l("The country"),
                          "contact_email": _l("The contact e-mail"), "phone": _l("The phone number"),
                          "website": _l("The website")}
INSTITUTE_FIELDS = (*INSTITUTE_TEXT_FIELDS, "blind_grading", "require_two_factor", "default_release_policy", "language",
                    "time_zone")


def update_institute(actor: User, **details) -> Institute:
    require(actor, Permission.MANAGE_INSTITUTE)
    institute = actor.institute
    for field in INSTITUTE_TEXT_FIELDS:
        if field in details and field != "address":
            details[field] = single_line(details[field], INSTITUTE_FIELD_LABELS[field], field=field,
                                         max_length=getattr(Institute, field).type.length)
    name = details.get("name") or ""
    if not name:
        raise ValidationError(_("The institute needs a name."), field="name")
    other = institute_by_name(name)
    if other is not None and other.id != institute.id:
        raise Conflict(_("An institute named '%(name)s' already exists.", name=name), field="name")
    if details.get("contact_email"):
        details["contact_email"] = normalise_email(details["contact_email"], "contact_email")
    website = web_address(details.get("website"), _("website"), field="website")
    country = (details.get("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValidationError(_("Give the country as its two-letter ISO code (DE, IN, GB, ...)."), field="country")
    details.update(name=name, website=website, country=country)
    if "language" in details:
        institute.language = _language(details["language"])
    if "time_zone" in details:
        institute.time_zone = _time_zone(details["time_zone"])
    was = {field: getattr(institute, field) for field in INSTITUTE_FIELDS}
    for field in INSTITUTE_TEXT_FIELDS:
        if field in details:
            setattr(institute, field, (details[field] or "").strip())
    for flag in ("blind_grading", "require_two_factor"):
        if flag in details:
            setattr(institute, flag, bool(details[flag]))
    if details.get("default_release_policy"):
        institute.default_release_policy = parse_enum(ReleasePolicy, details["default_release_policy"],
                                                      "default_release_policy", _("release policy"))
    changed = [field for field in INSTITUTE_FIELDS if getattr(institute, field) != was[field]]
    if changed:
        _announce(actor, "institute.update", institute, {field: was[field] for field in changed},
                  {field: getattr(institute, field) for field in changed}, label=institute.name)
    return institute


def _language(language: str | None) -> str:
    """A language the pages speak, or "" for none chosen (then the next in line decides)."""
    language = (language or "").strip()
    if language and language not in LANGUAGES:
        raise ValidationError(_("Choose one of the languages offered."), field="language")
    return language


# Every IANA time zone name but the system's own aliases, which name no place (as exams.windows does).
TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory", "posixrules"})


def time_zones() -> list[str]:
    """The zones the institute's settings offer in their searchable list."""
    return TIME_ZONES


def _time_zone(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        return "UTC"
    if name not in TIME_ZONES:
        raise ValidationError(_("Unknown time zone “%(zone)s”: choose one from the list, e.g. Europe/Berlin.",
                                zone=name), field="time_zone")
    return name


def set_own_language(user: User, language: str | None) -> User:
    """The console's language for this staff member; "" follows the institute's."""
    user.language = _language(language)
    return user


def set_logo(actor: User, data: bytes) -> Institute:
    """The institute's logo, whatever type its sender declared: its bytes say what it is."""
    require(actor, Permission.MANAGE_INSTITUTE)
    institute = actor.institute
    was = _image_summary(institute.logo, institute.logo_mimetype)
    institute.logo, institute.logo_mimetype = _image("logo", data)
    _announce(actor, "institute.logo", institute, {"logo": was},
              {"logo": _image_summary(institute.logo, institute.logo_mimetype)}, label=institute.name)
    return institute


# Staff ------------------------------------------------------------------------------------------

def institute_and_descendants(institute_id: int) -> list[int]:
    """The institute with all its branches, at any depth (one query per level of the tree)."""
    found, frontier = [institute_id], [institute_id]
    while frontier:
        frontier = list(db.session.scalars(select(Institute.id).where(Institute.parent_id.in_(frontier))))
        found += [child for child in frontier if child not in found]
    return found


def list_staff(actor: User) -> list[User]:
    require(actor, Permission.VIEW_STAFF)
    return list(db.session.scalars(
        select(User).where(User.institute_id == actor.institute_id).order_by(func.lower(User.name))
    ))


def institute_staff(actor: User, institute_id, *, page: int = 1, per_page: int = 25):
    """The staff of the actor's institute or of one of its branches; any other institute is not found."""
    require(actor, Permission.VIEW_STAFF)
    if institute_id not in institute_and_descendants(actor.institute_id):
        raise NotFound("Institute")
    return db.paginate(select(User).where(User.institute_id == institute_id).order_by(func.lower(User.name), User.id),
                       page=page, per_page=per_page, error_out=False)


def get_staff(actor: User, user_id) -> User:
    require(actor, Permission.VIEW_STAFF)
    return get_in_institute(User, actor.institute_id, user_id, "Staff member")


def _parse_role(role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError(_("Unknown role '%(role)s'.", role=role), field="role") from None


def invite_staff(actor: User, *, email: str, name: str, role) -> User:
    """Create a staff account without a password and e-mail its owner a link to choose one."""
    require(actor, Permission.MANAGE_STAFF)
    email = normalise_email(email)
    name = single_line(name, _("The name"), field="name", max_length=User.name.type.length)
    if not name:
        raise ValidationError(_("Give the person's name."), field="name")
    if _email_taken(email):
        raise Conflict(_("A staff account with the e-mail %(email)s already exists.", email=email), field="email")
    user = User(institute_id=actor.institute_id, email=email, name=name, role=_parse_role(role))
    db.session.add(user)
    db.session.flush()
    _send_invitation(actor, user)
    _announce(actor, "staff.invite", user, {}, {"email": email, "role": user.role.value}, label=_staff_label(user))
    return user


def _send_invitation(actor: User, user: User) -> None:
    queue_email(
        to=user.email, language=user.language or actor.institute.language,
        template="staff_invitation", topic="staff_invitation", institute_id=actor.institute_id,
        context={"user": user, "inviter": actor, "institute": actor.institute, "link": set_password_url(user)},
    )


def _admin_count(institute_id: int) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.institute_id == institute_id, User.role == Role.ADMIN, User.active)
    )


def update_staff(actor: User, user_id, *, name: str, role, active: bool) -> User:
    require(actor, Permission.MANAGE_STAFF)
    user = get_staff(actor, user_id)
    role = _parse_role(role)
    name = single_line(name, _("The name"), field="name", max_length=User.name.type.length)
    if not name:
        raise ValidationError(_("Give the person's name."), field="name")
    losing_admin = user.role == Role.ADMIN and user.active and (role != Role.ADMIN or not active)
    if losing_admin and _admin_count(actor.institute_id) <= 1:
        raise Conflict(_("The institute must keep at least one active administrator."), field="role")
    was = {"name": user.name, "role": user.role.value, "active": user.active}
    user.name, user.role, user.active = name, role, active
    now = {"name": user.name, "role": user.role.value, "active": user.active}
    changed = [field for field in was if was[field] != now[field]]
    if changed:
        _announce(actor, "staff.update" if active or not was["active"] else "staff.deactivate", user,
                  {field: was[field] for field in changed}, {field: now[field] for field in changed},
                  label=_staff_label(user))
    return user


def resend_invitation(actor: User, user_id) -> User:
    require(actor, Permission.MANAGE_STAFF)
    user = get_staff(actor, user_id)
    if user.has_password:
        raise Conflict(_("%(email)s has already chosen a password.", email=user.email))
    _send_invitation(actor, user)
    return user


# Passwords --------------------------------------------------------------------------------------

class _ClockSigner(TimestampSigner):
    # A link's age is read on the one clock: a test that moves it can expire a link, and two links
    # signed within one frozen moment are the same string, whatever second the wall clock ticked to.
    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="set-password", signer=_ClockSigner)


def _password_fingerprint(user: User) -> str:
    # Part of the token, so that a link stops working once it has been used to set a password.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def set_password_url(user: User, *, reset: bool = False) -> str:
    """The link of an invitation, or of a reset (`reset`: it works for RESET_PASSWORD_MAX_AGE only)."""
    token = _serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user), **({"reset": 1} if reset else {})})
    return links.set_password_url(token)


def _token_data(token: str) -> dict:
    try:
        data, signed_at = _serializer().loads(token, max_age=SET_PASSWORD_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        raise ValidationError(_("This link has expired. Ask your administrator for a new invitation.")) from None
    except BadSignature:
        raise NotFound("Link") from None
    if not isinstance(data, dict):
        raise NotFound("Link")
    if data.get("reset") and utcnow() - signed_at > timedelta(seconds=RESET_PASSWORD_MAX_AGE):
        raise ValidationError(_("This link has expired. Ask for a new one with “Forgot your password?” on the "
                                "log-in page."))
    return data


def _token_user(token: str) -> tuple[User, dict]:
    data = _token_data(token)
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or not user.is_active or _password_fingerprint(user) != data.get("fp"):
        raise NotFound("Link")
    return user, data


def user_for_password_token(token: str) -> User:
    """The user of an invitation's or a reset's link; a link that has been used (the password changed
    since it was made) is not found."""
    return _token_user(token)[0]


def set_password_with_token(token: str, password: str, confirmation: str) -> User:
    """From the link of an invitation or a reset. It signs nobody in: a user with two-factor sign-in
    still gives a code at the log-in that follows."""
    user, data = _token_user(token)
    _set_password(user, password, confirmation, "password.reset" if data.get("reset") else "password.set")
    return user


def request_password_reset(email: str) -> None:
    """E-mail the active staff member with this address a link to choose a new password, in their
    language. An unknown address is answered the same (the caller says the same words either way)."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.is_active:
        return
    queue_email(to=user.email, language=user.language or user.institute.language, template="password_reset",
                topic="password_reset", institute_id=user.institute_id,
                context={"user": user, "institute": user.institute, "link": set_password_url(user, reset=True),
                         "minutes": RESET_PASSWORD_MAX_AGE // 60})
    staff_change(None, user, "password.reset_requested")


def change_password(user: User, *, current: str, new: str, confirmation: str) -> User:
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationError(_("Your current password is not correct."), field="current_password")
    _set_password(user, new, confirmation, "password.change")
    return user


def _set_password(user: User, password: str, confirmation: str, action: str) -> None:
    _check_password_strength(password, "new_password")
    if password != confirmation:
        raise ValidationError(_("The two passwords differ."), field="confirmation")
    user.password_hash = generate_password_hash(password)
    # That it happened, and by whom: never the password or its hash.
    _announce(user, action, user, {}, {}, label=_staff_label(user))


# White-labelling ------------------------------------------------------------------------------

COLOR_FIELDS = {"header_background_color": _l("Header"), "header_font_color": _l("Header Text"),
                "button_color": _l("Button"), "button_font_color": _l("Button Text")}
# The same parts inside a sentence ("the header text on the header").
COLOR_PARTS = {"header_background_color": _l("header"), "header_font_color": _l("header text"),
               "button_color": _l("button"), "button_font_color": _l("button text")}
HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
SUPPORT_NUMBER = re.compile(r"\+?[0-9][0-9 ()\-]{4,24}")
TEST_URL_SLUG = re.compile(r"[A-Za-z0-9_-]{1,100}")
MAX_SUPPORT_NUMBERS = 2
# Each branding image's label, formats (storage.image_format's names) and largest size. Mettl's (2.2,
# 2.3): a logo of up to 100 KB in JPEG, PNG or GIF (WebP too, as the console always took), a favicon
# of up to 10 KB in PNG or ICO, a cover image of up to 2 MB in JPEG, PNG or GIF. SVG is none of them: it can carry script.
IMAGE_RULES = {
    "logo": (_l("Logo"), ("JPEG", "PNG", "GIF", "WEBP"), 100 * 1024),
    "favicon": (_l("Favicon"), ("PNG", "ICO"), 10 * 1024),
    "cover": (_l("Cover Image"), ("JPEG", "PNG", "GIF"), 2 * 1024 * 1024),
}


def white_label(institute_id: int) -> WhiteLabel | None:
    """The institute's white-labelling, for the candidate pages and the account endpoint."""
    return db.session.get(WhiteLabel, institute_id)


def _color(field: str, value: str | None) -> str:
    if not value:
        return ""
    match = HEX_COLOR.fullmatch(str(value).strip())
    if match is None:
        raise ValidationError(_("Invalid %(part)s Color", part=COLOR_FIELDS[field]), code="E015", field=field)
    digits = match.group(1).lower()
    return digits if len(digits) == 6 else "".join(digit * 2 for digit in digits)


# What the candidate pages show where a colour is not set (Pico's light theme): the check below measures
# a new header text colour against the default header, and so on.
DEFAULT_COLORS = {"header_background_color": "ffffff", "header_font_color": "373c44", "button_color": "0172ad",
                  "button_font_color": "ffffff"}
# Each text colour and the background it is read on.
COLOR_PAIRS = (("header_font_color", "header_background_color"), ("button_font_color", "button_color"))


def _check_contrast(label: WhiteLabel, changed: set[str]) -> None:
    """Refuse a colour that leaves text below WCAG's 4.5:1 against its background, naming the colour
    changed (the text's when both were) and the ratio measured, in Mettl's E015 words."""
    for text, background in COLOR_PAIRS:
        colors = [getattr(label, field) or DEFAULT_COLORS[field] for field in (text, background)]
        ratio = contrast_ratio(*colors)
        if ratio < MINIMUM_TEXT_CONTRAST and changed & {text, background}:
            blamed = text if text in changed else background
            values = {"part": COLOR_FIELDS[blamed], "text": COLOR_PARTS[text], "background": COLOR_PARTS[background],
                      "ratio": f"{ratio:.2f}", "minimum": MINIMUM_TEXT_CONTRAST}
            # Whole sentences for a darker and a lighter choice, so that each reads right in every language.
            advice = (_("Invalid %(part)s Color: the %(text)s on the %(background)s has a contrast of %(ratio)s:1, "
                        "below %(minimum)s:1; choose a darker %(text)s color or another background.", **values)
                      if relative_luminance(colors[1]) > 0.18 else
                      _("Invalid %(part)s Color: the %(text)s on the %(background)s has a contrast of %(ratio)s:1, "
                        "below %(minimum)s:1; choose a lighter %(text)s color or another background.", **values))
            raise ValidationError(advice, code="E015", field=blamed)


def _support_numbers(numbers: list) -> list[str]:
    if not 1 <= len(numbers) <= MAX_SUPPORT_NUMBERS:
        raise ValidationError(_("Invalid Support Number count: give one or two numbers."), code="E017",
                              field="support_numbers")
    if not all(isinstance(number, str) and SUPPORT_NUMBER.fullmatch(number.strip()) for number in numbers):
        raise ValidationError(_("Invalid Support Number(s)"), code="E016", field="support_numbers")
    return [number.strip() for number in numbers]


def _custom_test_url(institute_id: int, slug: str | None) -> str | None:
    if not slug:
        return None
    if not TEST_URL_SLUG.fullmatch(slug):
        raise ValidationError(_("Invalid custom test URL: use letters, digits, - and _ only."), code="E789",
                              field="custom_test_url")
    owner = db.session.scalar(select(WhiteLabel.institute_id).where(WhiteLabel.custom_test_url == slug))
    if owner is not None and owner != institute_id:
        raise Conflict(_("This custom test URL is taken."), code="E789", field="custom_test_url")
    return slug


def _image_summary(data: bytes | None, mimetype: str | None) -> str:
    """An image as the audit log describes it: its type and size, never its bytes."""
    return f"{mimetype}, {len(data):,} bytes" if data else ""


def _image(kind: str, data: bytes) -> tuple[bytes, str]:
    """A branding image and the MIME type it is served as, both from its bytes; else E013 or E014."""
    label, formats, limit = IMAGE_RULES[kind]
    if not data or len(data) > limit:
        raise ValidationError(_("File Size Exceeded for %(image)s", image=label), code="E013", field=kind)
    found = storage.image_format(data)
    if found not in formats:
        raise ValidationError(_("Invalid file format %(found)s for %(image)s: use %(formats)s or %(last)s.",
                                found=found or _("unknown"), image=label, formats=", ".join(formats[:-1]),
                                last=formats[-1]), code="E014", field=kind)
    return data, storage.FORMAT_MIMETYPES[found]


def update_white_label(actor: User, *, settings: dict, support_numbers: list | None = None,
                       images: dict[str, bytes] | None = None) -> WhiteLabel:
    """Change the settings given (colours and `custom_test_url`; an empty value clears one), the
    support numbers if given, and the images given ({"favicon" or "cover": bytes})."""
    require(actor, Permission.MANAGE_INSTITUTE)
    unknown = set(settings) - set(COLOR_FIELDS) - {"custom_test_url"}
    if unknown:
        raise ValidationError(_("Unknown white-labelling settings: %(names)s.", names=", ".join(sorted(unknown))),
                              code="E400")
    label = white_label(actor.institute_id) or WhiteLabel(institute_id=actor.institute_id, support_numbers=[])
    was = _white_label_summary(label)
    for field, value in settings.items():
        setattr(label, field, _custom_test_url(actor.institute_id, value) if field == "custom_test_url"
                else _color(field, value))
    _check_contrast(label, {field for field in settings if field in COLOR_FIELDS and was[field] != getattr(label, field)})
    if support_numbers is not None:
        label.support_numbers = _support_numbers(support_numbers)
    for kind, data in (images or {}).items():
        data, mimetype = _image(kind, data)
        setattr(label, kind, data)
        setattr(label, f"{kind}_mimetype", mimetype)
    db.session.add(label)
    db.session.flush()
    now = _white_label_summary(label)
    changed = [field for field in now if now[field] != was[field]]
    if changed:
        _announce(actor, "institute.white_label", actor.institute, {field: was[field] for field in changed},
                  {field: now[field] for field in changed}, label=actor.institute.name)
    return label


def _white_label_summary(label: WhiteLabel) -> dict:
    return {**{field: getattr(label, field) or "" for field in (*COLOR_FIELDS, "custom_test_url")},
            "support_numbers": list(label.support_numbers or []),
            **{kind: _image_summary(getattr(label, kind), getattr(label, f"{kind}_mimetype"))
               for kind in IMAGE_RULES if kind != "logo"}}


BRANDING_FIELDS = (*COLOR_FIELDS, "custom_test_url")


def branding_settings(actor: User) -> WhiteLabel | None:
    """The institute's white-labelling, for its administrators' settings page."""
    require(actor, Permission.MANAGE_INSTITUTE)
    return white_label(actor.institute_id)


def branding_form_values(label: WhiteLabel | None) -> dict:
    """The settings page's fields as a person writes them: colours as #rrggbb, the support numbers apart."""
    if label is None:
        return {}
    numbers = list(label.support_numbers or []) + ["", ""]
    return {**{field: f"#{getattr(label, field)}" if getattr(label, field) else "" for field in COLOR_FIELDS},
            "custom_test_url": label.custom_test_url or "", "first_support_number": numbers[0],
            "second_support_number": numbers[1]}


def theme_version(institute_id: int) -> str:
    """Changes whenever the theme does: the preview's style sheet address carries it past any cache."""
    return hashlib.sha256(theme_css(institute_id).encode()).hexdigest()[:12]


PREVIEW_SCOPE = ".brand-preview"


def theme_css(institute_id: int, *, preview: bool = False) -> str:
    """The white-label colours and cover as a style sheet for the candidate pages (which allow no inline
    style); empty when none are set. `preview` scopes every rule to the console's preview of the
    candidate page, so that the console itself keeps its own colours. The colours were checked to be
    hex digits when saved."""
    label = white_label(institute_id)
    if label is None:
        return ""
    scope = f"{PREVIEW_SCOPE} " if preview else ""
    rules = []
    for value, selector, declaration in (
            (label.header_background_color, f"{scope}.candidate-header", "background: #{}"),
            (label.header_font_color, f"{scope}.candidate-header, {scope}.candidate-header *", "color: #{}"),
            (label.button_color, PREVIEW_SCOPE if preview else ":root",
             "--pico-primary-background: #{0}; --pico-primary-border: #{0}"),
            (label.button_font_color, PREVIEW_SCOPE if preview else ":root", "--pico-primary-inverse: #{}")):
        if value:
            rules.append(f"{selector} {{ {declaration.format(value)}; }}")
    if label.cover:
        rules.append(f"{PREVIEW_SCOPE if preview else 'body'} {{ background: url('/branding/{institute_id}/cover') "
                     f"center / cover{'' if preview else ' fixed'}; }}")
    return "".join(rule + "\n" for rule in rules)


def branding_image(institute_id: int, kind: str) -> tuple[bytes, str] | None:
    """An institute's logo, favicon or cover image with its type; they are public, like the candidate
    pages that show them."""
    if kind == "logo":
        institute = db.session.get(Institute, institute_id)
        found = (institute.logo, institute.logo_mimetype) if institute else (None, "")
    else:
        label = white_label(institute_id)
        found = (getattr(label, kind), getattr(label, f"{kind}_mimetype")) if label else (None, "")
    return found if found[0] else None


def active_staff_count(actor: User) -> int:
    """The console's front page: how many of the institute's staff can log in."""
    return db.session.scalar(select(func.count(User.id)).where(User.institute_id == actor.institute_id, User.active))
