"""White-labelling in the console: colours refused below WCAG's 4.5:1 with the ratio measured, images,
support numbers, the custom test address, and a preview of the candidate page in the saved colours."""
import io

from bs4 import BeautifulSoup

from tests.api.conftest import PNG
from tests.conftest import log_in
from webapp.accounts.models import WhiteLabel
from webapp.core.extensions import db


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _post(client, **fields):
    data = {"header_background_color": "", "header_font_color": "", "button_color": "", "button_font_color": "",
            "custom_test_url": "", "first_support_number": "", "second_support_number": "", **fields}
    return client.post("/institute/branding/", data=data, content_type="multipart/form-data", follow_redirects=True)


def test_an_administrator_brands_the_candidate_pages_and_previews_them(admin_client, admin):
    page = _post(admin_client, header_background_color="#1a5fb4", header_font_color="#ffffff",
                 button_color="#b8336a", custom_test_url="acme-tests", first_support_number="+49 30 1234567",
                 favicon=(io.BytesIO(PNG), "fav.png"))
    soup = _soup(page)
    assert "branding is saved" in soup.select_one(".flash").get_text()
    label = db.session.get(WhiteLabel, admin.institute_id)
    assert (label.header_background_color, label.header_font_color, label.button_color) == ("1a5fb4", "ffffff", "b8336a")
    assert label.support_numbers == ["+49 30 1234567"] and label.custom_test_url == "acme-tests" and label.favicon == PNG
    assert soup.select_one("#header_background_color")["value"] == "#1a5fb4"
    sheet = next(link["href"] for link in soup.select("link[rel=stylesheet]") if "theme.css" in link["href"])
    assert "preview=1" in sheet and "v=" in sheet
    css = admin_client.get(sheet).get_data(as_text=True)
    # Scoped to the preview: the console keeps its own colours.
    assert ".brand-preview .candidate-header { background: #1a5fb4; }" in css
    assert ".brand-preview { --pico-primary-background: #b8336a" in css and ":root" not in css
    assert soup.select_one("[data-preview] .candidate-header .institute-name").get_text() == admin.institute.name


def test_a_colour_below_the_contrast_minimum_is_refused_with_its_ratio(admin_client, admin):
    soup = _soup(_post(admin_client, header_background_color="#ffffff", header_font_color="#dddddd"))
    error = soup.select_one("#header_font_color-error").get_text()
    assert "1.36:1" in error and "4.5:1" in error
    assert soup.select_one("#header_font_color")["aria-invalid"] == "true"
    assert db.session.get(WhiteLabel, admin.institute_id) is None


def test_only_administrators_brand(client, factory, admin):
    examiner = factory.staff(admin.institute, "examiner")
    log_in(client, examiner)
    assert client.get("/institute/branding/").status_code == 403
