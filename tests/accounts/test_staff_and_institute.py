"""Staff management, institute details and the permission matrix, role by role."""
import io
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from tests.conftest import log_in
from tests.images import image_bytes
from webapp.accounts import services
from webapp.accounts.models import User
from webapp.core import clock
from webapp.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import MATRIX, Permission, Role, can
from webapp.notifications.models import OutboxMessage

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


@pytest.fixture
def staff(factory, admin):
    institute = admin.institute
    return {Role.ADMIN: admin, **{role: factory.staff(institute, role) for role in
                                  (Role.EXAMINER, Role.PROCTOR, Role.SUPPORT)}}


EXPECTED = {
    Role.ADMIN: set(Permission),
    Role.EXAMINER: {Permission.VIEW_BANK, Permission.EDIT_BANK, Permission.VIEW_ASSESSMENTS,
                    Permission.EDIT_ASSESSMENTS, Permission.ADD_CATALOGUE_TEST, Permission.VIEW_EXAMS,
                    Permission.EDIT_EXAMS, Permission.VIEW_CANDIDATES, Permission.EDIT_CANDIDATES,
                    Permission.VIEW_PERSONAL_LINKS, Permission.VIEW_RESULTS, Permission.GRADE_RESPONSES,
                    Permission.RELEASE_RESULTS, Permission.VIEW_AUDIT, Permission.VIEW_OWN_AUDIT},
    Role.PROCTOR: {Permission.VIEW_ASSESSMENTS, Permission.VIEW_EXAMS, Permission.VIEW_CANDIDATES,
                   Permission.PROCTOR_SITTINGS, Permission.VIEW_OWN_AUDIT},
    Role.SUPPORT: {Permission.VIEW_STAFF, Permission.VIEW_BANK, Permission.VIEW_ASSESSMENTS, Permission.VIEW_EXAMS,
                   Permission.VIEW_CANDIDATES, Permission.VIEW_RESULTS},
}


@pytest.mark.parametrize("role", list(Role))
def test_the_permission_matrix_is_as_documented(role, staff):
    assert set(MATRIX[role]) == EXPECTED[role]
    assert {p for p in Permission if can(staff[role], p)} == EXPECTED[role]


@pytest.mark.parametrize("role", [Role.EXAMINER, Role.PROCTOR, Role.SUPPORT])
def test_only_admins_invite_and_edit_staff(role, staff):
    with pytest.raises(PermissionDenied):
        services.invite_staff(staff[role], email="new@example.com", name="New", role="examiner")
    with pytest.raises(PermissionDenied):
        services.update_staff(staff[role], staff[Role.ADMIN].id, name="X", role="proctor", active=True)
    with pytest.raises(PermissionDenied):
        services.update_institute(staff[role], name="Renamed")


@pytest.mark.parametrize("role,allowed", [(Role.ADMIN, True), (Role.SUPPORT, True),
                                          (Role.EXAMINER, False), (Role.PROCTOR, False)])
def test_who_sees_the_staff_list(role, allowed, staff):
    if allowed:
        assert {user.email for user in services.list_staff(staff[role])} == {u.email for u in staff.values()}
    else:
        with pytest.raises(PermissionDenied):
            services.list_staff(staff[role])


def test_a_deactivated_user_has_no_permission(staff):
    examiner = staff[Role.EXAMINER]
    services.update_staff(staff[Role.ADMIN], examiner.id, name=examiner.name, role="examiner", active=False)
    assert not can(examiner, Permission.VIEW_BANK)


def test_invite_creates_a_passwordless_account_and_queues_the_email(admin):
    # Frozen: the link carries the moment it was signed, and the assertions sign it again.
    clock.freeze(clock.utcnow())
    user = services.invite_staff(admin, email=" New.Person@Example.com ", name="New Person", role="proctor")
    db.session.commit()
    assert user.email == "new.person@example.com" and user.role == Role.PROCTOR and not user.has_password
    message = db.session.query(OutboxMessage).one()
    assert message.recipient == "new.person@example.com" and message.topic == "staff_invitation"
    assert services.set_password_url(user) in message.payload["text"]
    assert services.set_password_url(user) in message.payload["html"]


def test_a_set_password_link_expires_on_the_one_clock(admin):
    user = services.invite_staff(admin, email="late@example.com", name="Late Person", role="proctor")
    db.session.commit()
    token = services.set_password_url(user).rsplit("/", 1)[1]
    clock.move(timedelta(seconds=services.SET_PASSWORD_MAX_AGE - 60))
    assert services.user_for_password_token(token) == user
    clock.move(timedelta(seconds=120))
    with pytest.raises(ValidationError):
        services.user_for_password_token(token)


def test_invite_rules(admin, factory):
    other_admin = factory.institute("Other School")[1]
    with pytest.raises(Conflict):
        services.invite_staff(admin, email=other_admin.email, name="Taken", role="examiner")
    with pytest.raises(ValidationError) as error:
        services.invite_staff(admin, email="not-an-email", name="X", role="examiner")
    assert error.value.field == "email"
    with pytest.raises(ValidationError) as error:
        services.invite_staff(admin, email="x@example.com", name="X", role="superuser")
    assert error.value.field == "role"


def test_the_set_password_link_works_once(client, admin):
    user = services.invite_staff(admin, email="proctor@example.com", name="Pat", role="proctor")
    db.session.commit()
    link = services.set_password_url(user).removeprefix("http://proctora.localhost")
    page = client.get(link)
    assert "proctor@example.com" in page.get_data(as_text=True)
    response = client.post(link, data={"new_password": "pats-password-1", "confirmation": "pats-password-1"})
    assert response.headers["Location"] == "/login"
    log_in(client, user, "pats-password-1")
    assert client.get(link).status_code == 404


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(staff):
    admin = staff[Role.ADMIN]
    with pytest.raises(Conflict):
        services.update_staff(admin, admin.id, name=admin.name, role="examiner", active=True)
    with pytest.raises(Conflict):
        services.update_staff(admin, admin.id, name=admin.name, role="admin", active=False)
    services.update_staff(admin, staff[Role.EXAMINER].id, name="Promoted", role="admin", active=True)
    services.update_staff(admin, admin.id, name=admin.name, role="examiner", active=True)
    assert admin.role == Role.EXAMINER


def test_staff_of_another_institute_is_not_found(admin, factory):
    stranger = factory.institute("Other School")[1]
    with pytest.raises(NotFound):
        services.update_staff(admin, stranger.id, name="Hijack", role="admin", active=True)
    with pytest.raises(NotFound):
        services.resend_invitation(admin, stranger.id)


def test_staff_pages_invite_and_edit(admin_client, admin):
    response = admin_client.post("/staff/invite", data={"name": "Erin", "email": "erin@example.com", "role": "examiner"})
    assert response.headers["Location"] == "/staff"
    page = BeautifulSoup(admin_client.get("/staff").get_data(as_text=True), "html.parser")
    row = next(tr for tr in page.select("tbody tr") if "erin@example.com" in tr.get_text())
    assert "invited" in row.get_text() and "Examiner" in row.get_text()

    erin = db.session.query(User).filter_by(email="erin@example.com").one()
    admin_client.post(f"/staff/{erin.id}", data={"name": "Erin E.", "role": "support", "active": ""})
    db.session.refresh(erin)
    assert (erin.name, erin.role, erin.active) == ("Erin E.", Role.SUPPORT, False)

    duplicate = admin_client.post("/staff/invite", data={"name": "Again", "email": "erin@example.com", "role": "examiner"})
    soup = BeautifulSoup(duplicate.get_data(as_text=True), "html.parser")
    assert "already exists" in soup.select_one(".field-error").get_text()
    assert soup.select_one("input[name=name]")["value"] == "Again"


def test_institute_details_and_logo(admin_client, admin, factory):
    factory.institute("Taken Name")
    taken = admin_client.post("/institute", data={"name": "Taken Name"})
    assert "already exists" in taken.get_data(as_text=True)
    response = admin_client.post("/institute", data={
        "name": "Acme Languages GmbH", "legal_name": "Acme Languages GmbH", "address": "Hauptstr. 1, Berlin",
        "country": "de", "contact_email": "Office@Acme.example.com", "phone": "+49 30 123",
        "website": "https://acme.example.com", "logo": (io.BytesIO(PNG), "logo.png", "image/png"),
    }, content_type="multipart/form-data")
    assert response.headers["Location"] == "/institute"
    institute = db.session.get(type(admin.institute), admin.institute_id)
    db.session.refresh(institute)
    assert (institute.name, institute.country, institute.contact_email) == (
        "Acme Languages GmbH", "DE", "office@acme.example.com")
    logo = admin_client.get("/institute/logo")
    assert logo.mimetype == "image/png" and logo.data == PNG

    bad_website = admin_client.post("/institute", data={"name": "Acme", "website": "ftp://x"})
    assert "http:// or https://" in bad_website.get_data(as_text=True)
    bad_country = admin_client.post("/institute", data={"name": "Acme", "country": "D1"})
    assert "two-letter ISO code" in bad_country.get_data(as_text=True)
    db.session.refresh(institute)
    assert institute.name == "Acme Languages GmbH"


NOT_IMAGES = {"text": b"just some text", "html": b"<html><script>alert(1)</script></html>",
              "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
              "truncated png": PNG[:40]}


@pytest.mark.parametrize("data", NOT_IMAGES.values(), ids=NOT_IMAGES.keys())
def test_a_logo_that_is_no_image_is_refused_whatever_its_declared_type(admin_client, admin, data):
    response = admin_client.post("/institute", data={"name": "Acme Languages", "logo": (io.BytesIO(data), "logo.png",
                                                                                        "image/png")},
                                 content_type="multipart/form-data")
    error = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("#logo-error")
    assert error.get_text(strip=True) == "Invalid file format unknown for Logo: use JPEG, PNG, GIF or WEBP."
    db.session.expire_all()
    assert admin.institute.logo is None
    assert admin_client.get("/institute/logo").status_code == 404


@pytest.mark.parametrize("content_type", ["application/octet-stream", ""])
def test_a_logo_is_known_by_its_bytes_not_its_declared_type(admin_client, admin, content_type):
    gif = image_bytes("GIF")
    response = admin_client.post("/institute", data={"name": "Acme Languages", "logo": (io.BytesIO(gif), "logo",
                                                                                        content_type)},
                                 content_type="multipart/form-data")
    assert response.headers["Location"] == "/institute"
    logo = admin_client.get("/institute/logo")
    assert logo.data == gif and logo.mimetype == "image/gif"


@pytest.mark.parametrize("image_format, mimetype", [("PNG", "image/png"), ("JPEG", "image/jpeg"),
                                                     ("GIF", "image/gif"), ("WEBP", "image/webp")])
def test_the_logo_formats(admin, image_format, mimetype):
    institute = services.set_logo(admin, image_bytes(image_format))
    assert institute.logo_mimetype == mimetype


def test_a_logo_in_another_format_or_too_large_is_refused(admin):
    with pytest.raises(ValidationError) as refused:
        services.set_logo(admin, image_bytes("BMP"))
    assert (refused.value.code, refused.value.message) == ("E014", "Invalid file format BMP for Logo: use JPEG, PNG, "
                                                                   "GIF or WEBP.")
    with pytest.raises(ValidationError) as refused:
        services.set_logo(admin, PNG + b"x" * services.IMAGE_RULES["logo"][2])
    assert refused.value.code == "E013"
    assert admin.institute.logo is None


@pytest.mark.parametrize("role", [Role.EXAMINER, Role.PROCTOR, Role.SUPPORT])
def test_non_admins_get_403_on_admin_pages(role, staff, client):
    log_in(client, staff[role])
    for path in ("/staff/invite", "/institute"):
        response = client.get(path)
        assert response.status_code == 403
        assert "Not allowed" in response.get_data(as_text=True)
