"""The institute's custom test URL (Mettl's 2.3 `customTestUrl`, served at /authenticateKey/<url>): the
institute's tests open to everyone, and a box for the access key of an invitation, which leads to that
exam's link; another institute's key, an unknown URL and closed or invitation-only exams stay out."""
from datetime import date, time

from tests.candidate.helpers import page
from webapp.accounts.services import update_white_label
from webapp.core.extensions import db


def _custom_url(admin, slug: str = "acme-tests") -> str:
    update_white_label(admin, settings={"custom_test_url": slug})
    db.session.commit()
    return f"/authenticateKey/{slug}"


def test_the_custom_test_url_lists_the_open_tests_and_takes_an_access_key(client, admin, factory, make_exam):
    open_now = make_exam(access_type="OpenForAll", name="Placement now")
    later = factory.exam(admin, assessment=open_now.assessment, access_type="OpenForAll", name="Certification later",
                         schedule_type="Fixed", fixed_access_option="ExactTime", starts_on_date=date(2099, 6, 1),
                         ends_on_date=date(2099, 6, 2), starts_on_time=time(9), ends_on_time=time(17),
                         time_zone="UTC+00:00")
    invited = factory.exam(admin, assessment=open_now.assessment, access_type="ByInvitation", name="Invitation only")
    other_admin = factory.institute("Rival School")[1]
    elsewhere = factory.exam(other_admin, access_type="OpenForAll", name="Rival test")
    url = _custom_url(admin)

    soup = page(client.get(url))
    assert soup.h1.get_text() == admin.institute.name
    listed = {item["data-exam"]: " ".join(item.get_text().split()) for item in soup.select("[data-exam]")}
    assert set(listed) == {open_now.access_key, later.access_key}
    assert soup.select_one(f"[data-exam='{open_now.access_key}'] a")["href"] == f"/t/{open_now.access_key}"
    assert "(not open yet)" in listed[later.access_key]

    typed = f"  {invited.access_key} "
    response = client.post(url, data={"access_key": typed})
    assert response.status_code == 302 and response.headers["Location"] == f"/t/{invited.access_key}"
    for wrong in (elsewhere.access_key, "no-such-key", ""):
        response = client.post(url, data={"access_key": wrong})
        assert response.status_code == 422 and page(response).select_one("[data-wrong-key]") is not None


def test_an_unknown_custom_test_url_is_an_unknown_link(client, admin):
    _custom_url(admin)
    response = client.get("/authenticateKey/someone-else")
    assert response.status_code == 404 and page(response).h1.get_text() == "Unknown link"
