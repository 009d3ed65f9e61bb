"""The candidates console through the test client: the search with its filters, sorts and
sub-institutes, and a candidate's page with the edit form and their sittings."""
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in
from webapp.accounts.services import create_institute
from webapp.candidates.models import Candidate
from webapp.core.extensions import db
from webapp.sittings.models import Sitting, SittingStatus
from webapp.sittings.services import register_candidates
from webapp.sittings.state_machine import transition

PEOPLE = [  # e-mail, first, last, level
    ("zoe.adams@example.com", "Zoë", "Adams", "B2"),
    ("max.brown@example.com", "Max", "Brown", None),
    ("ann.clark@example.com", "Ann", "Clark", "A1"),
]


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def names(page: BeautifulSoup) -> list[str]:
    return [row.find("a").get_text() for row in page.select(".candidate-table tbody tr")]


def candidate(email: str) -> Candidate:
    db.session.expire_all()
    return db.session.scalars(select(Candidate).where(Candidate.email == email)).one()


def register(admin, exam, people) -> None:
    register_candidates(admin, exam.id, [{"Email Address": email, "First Name": first, "Last Name": last}
                                         for email, first, last, _ in people])
    levels = {email: level for email, _, _, level in people}
    for registered in db.session.scalars(select(Candidate).where(Candidate.email.in_(levels))):
        registered.current_level = levels[registered.email]
    db.session.commit()


@pytest.fixture
def exam(factory, admin):
    exam = factory.exam(admin, name="June finals")
    register(admin, exam, PEOPLE)
    return exam


def test_the_list_shows_the_candidates_with_their_sittings(admin_client, admin, factory, exam):
    register(admin, factory.exam(admin, name="July finals"), PEOPLE[:1])
    page = html(admin_client.get("/candidates"))
    assert names(page) == ["Zoë Adams", "Max Brown", "Ann Clark"]
    cells = [cell.get_text(strip=True) for cell in page.select(".candidate-table tbody tr")[0].find_all("td")]
    assert cells == ["Zoë Adams", "zoe.adams@example.com", "zoe.adams@example.com", "B2", "2"]
    assert [th.get_text() for th in page.select(".candidate-table th")] == [
        "Name", "Username", "E-mail", "Level", "Sittings"]


@pytest.mark.parametrize("query, expected", [
    ("text=clark", ["Ann Clark"]),
    ("text=ZOË+ADAMS", ["Zoë Adams"]),
    ("text=max.brown@", ["Max Brown"]),
    ("text=%25", []),
    ("level=B2", ["Zoë Adams"]),
    ("level=C2", []),
    ("level=Z9", ["Zoë Adams", "Max Brown", "Ann Clark"]),
    ("sort=email", ["Ann Clark", "Max Brown", "Zoë Adams"]),
    ("sort=newest", ["Ann Clark", "Max Brown", "Zoë Adams"]),
    ("sort=level", ["Ann Clark", "Zoë Adams", "Max Brown"]),
    ("sort=nonsense", ["Zoë Adams", "Max Brown", "Ann Clark"]),
])
def test_search_filter_and_sort(admin_client, exam, query, expected):
    assert names(html(admin_client.get(f"/candidates?{query}"))) == expected


def test_a_username_is_found_too_and_htmx_gets_the_rows_alone(admin_client, admin, exam):
    candidate("max.brown@example.com").username = "maxb"
    db.session.commit()
    fragment = html(admin_client.get("/candidates?text=MAXB", headers={"HX-Request": "true"}))
    assert fragment.find("h1") is None and names(fragment) == ["Max Brown"]


def test_candidates_of_sub_institutes_are_included_on_request(admin_client, admin, factory, exam):
    branch, branch_admin = create_institute("Acme Pune", admin_email="pune@example.com", admin_password="x" * 12,
                                            parent_id=admin.institute_id)
    db.session.commit()
    register(branch_admin, factory.exam(branch_admin, name="Pune finals"),
             [("ravi@example.com", "Ravi", "Kumar", "C1")])
    stranger = factory.institute()[1]
    register(stranger, factory.exam(stranger, name="Elsewhere"), [("ravi.other@example.com", "Ravi", "Other", "C1")])

    assert "Ravi Kumar" not in names(html(admin_client.get("/candidates")))
    page = html(admin_client.get("/candidates?include_sub_institutes=y&text=ravi"))
    assert names(page) == ["Ravi Kumar"]
    assert [th.get_text() for th in page.select(".candidate-table th")][4] == "Institute"
    assert page.select(".candidate-table tbody td")[4].get_text() == "Acme Pune"
    assert page.select_one("#include_sub_institutes").has_attr("checked")

    ravi = candidate("ravi@example.com")
    detail = html(admin_client.get(f"/candidates/{ravi.id}"))
    assert detail.find("h1").get_text() == "Ravi Kumar"
    assert detail.select_one("main form[method=post]") is None, "a branch edits its own candidates"
    assert detail.select_one(".candidate-sittings a") is None, "the branch's exam is not ours to open"
    assert admin_client.post(f"/candidates/{ravi.id}", data={"username": "taken"}).status_code == 404
    assert admin_client.get(f"/candidates/{candidate('ravi.other@example.com').id}").status_code == 404


def test_the_candidate_page_shows_details_and_every_sitting(admin_client, admin, factory, exam):
    july = factory.exam(admin, name="July finals")
    register(admin, july, PEOPLE[:1])
    zoe = candidate("zoe.adams@example.com")
    sitting = db.session.scalars(select(Sitting).where(Sitting.exam_id == july.id)).one()
    for status in ("check_started", "check_completed", "exam_session_opened", "exam_started"):
        transition(sitting, SittingStatus(status))
    db.session.commit()

    page = html(admin_client.get(f"/candidates/{zoe.id}"))
    facts = dict(zip([dt.get_text() for dt in page.select(".candidate-facts dt")],
                     [dd.get_text(strip=True) for dd in page.select(".candidate-facts dd")]))
    assert facts["E-mail"] == "zoe.adams@example.com" and facts["Current level"] == "B2"
    rows = [[cell.get_text(strip=True) for cell in row.find_all("td")[:4]]
            for row in page.select(".candidate-sittings tbody tr")]
    assert rows == [["July finals", july.assessment.name, "Taking the test", ""],
                    ["June finals", exam.assessment.name, "Registered", ""]]
    assert page.select_one(".candidate-sittings a")["href"] == f"/exams/{july.id}"


def test_editing_a_candidate(admin_client, exam):
    zoe = candidate("zoe.adams@example.com")
    form = html(admin_client.get(f"/candidates/{zoe.id}"))
    assert form.select_one("#username")["value"] == "zoe.adams@example.com"
    assert form.select_one("#current_level option[selected]")["value"] == "B2"

    response = admin_client.post(f"/candidates/{zoe.id}", data={
        "first_name": " Zoe ", "last_name": "Adams-Smith", "username": "zoe", "current_level": "C1"})
    assert response.headers["Location"] == f"/candidates/{zoe.id}"
    zoe = candidate("zoe.adams@example.com")
    assert (zoe.first_name, zoe.last_name, zoe.username, zoe.current_level.value) == (
        "Zoe", "Adams-Smith", "zoe", "C1")

    page = html(admin_client.post(f"/candidates/{zoe.id}", data={
        "first_name": "Zed", "last_name": "Adams", "username": "max.brown@example.com", "current_level": ""}))
    assert page.select_one("#username-error").get_text() == "The username 'max.brown@example.com' is taken."
    assert page.select_one("#first_name")["value"] == "Zed"
    assert page.select_one("main details").has_attr("open")
    assert candidate("zoe.adams@example.com").first_name == "Zoe"


@pytest.mark.parametrize("role", ["proctor", "support"])
def test_proctors_and_support_only_look(client, admin, factory, exam, role):
    log_in(client, factory.staff(admin.institute, role))
    assert names(html(client.get("/candidates"))) == ["Zoë Adams", "Max Brown", "Ann Clark"]
    zoe = candidate("zoe.adams@example.com")
    page = html(client.get(f"/candidates/{zoe.id}"))
    assert page.find("h1").get_text() == "Zoë Adams" and page.select_one("main form[method=post]") is None
    response = client.post(f"/candidates/{zoe.id}", data={"username": "hacked"})
    assert response.status_code == 403
    assert candidate("zoe.adams@example.com").username == "zoe.adams@example.com"


def test_the_candidate_pages_read_in_german_and_arabic(admin_client, admin, exam):
    register(admin, exam, PEOPLE[:1])
    zoe = candidate("zoe.adams@example.com")
    listing = html(admin_client.get("/candidates?lang=de"))
    assert [th.get_text() for th in listing.select(".candidate-table th")] == [
        "Name", "Benutzername", "E-Mail", "Niveau", "Teilnahmen"]
    assert [option.get_text() for option in listing.select("#sort option")] == [
        "Name", "E-Mail", "Neueste zuerst", "Niveau"]
    page = html(admin_client.get(f"/candidates/{zoe.id}"))
    assert page.find("h2").get_text() == "Teilnahmen"
    assert page.select_one(".candidate-sittings [data-status]").get_text() == "Angemeldet"
    known_since = page.select(".candidate-facts dd")[3].find("time")
    assert known_since["datetime"].startswith(str(zoe.created_at.date()))

    arabic = html(admin_client.get(f"/candidates/{zoe.id}?lang=ar"))
    assert arabic.select_one("html")["dir"] == "rtl"
    assert arabic.find("h2").get_text() == "المشاركات"
    assert arabic.select_one(".candidate-sittings [data-status]").get_text() == "مسجَّل"
