"""Reading candidates from CSV (webapp.sittings.importers): a pure function, tested on its own."""
import pytest

from webapp.core.errors import ValidationError
from webapp.core.spreadsheets import decode_csv
from webapp.sittings.importers import MAX_ROWS, candidate_columns, parse_candidate_rows

FIELDS = ["Email Address", "First Name", "Last Name", "Employee number", "Site"]


def row(email, first="", last="", number="", site=""):
    return {"Email Address": email, "First Name": first, "Last Name": last, "Employee number": number, "Site": site}


def test_columns_are_the_standard_three_then_the_assessments_own_in_order():
    assert candidate_columns(["Email Address", "Site", "First Name", "Last Name", "Employee number"]) == [
        "Email Address", "First Name", "Last Name", "Site", "Employee number"]
    assert candidate_columns(["Email Address"]) == ["Email Address", "First Name", "Last Name"]


def test_comma_separated_rows():
    text = "ann@example.com,Ann,Lee,E1,Pune\nbob@example.com,Bob,Marsh,E2,Berlin\n"
    assert parse_candidate_rows(text, FIELDS) == [row("ann@example.com", "Ann", "Lee", "E1", "Pune"),
                                                  row("bob@example.com", "Bob", "Marsh", "E2", "Berlin")]


def test_semicolons_a_header_a_bom_blank_lines_and_windows_line_ends():
    text = ("\ufeffE-Mail;First name;Last name;Employee number;Site\r\n"
            "ann@example.com;Ann;Lee;E1;Pune\r\n\r\n  \r\n"
            "bob@example.com; Bob ;Marsh;E2;Berlin\r\n")
    assert parse_candidate_rows(text, FIELDS) == [row("ann@example.com", "Ann", "Lee", "E1", "Pune"),
                                                  row("bob@example.com", "Bob", "Marsh", "E2", "Berlin")]


@pytest.mark.parametrize("heading", ["Email Address", "email", "E-mail", "EMAIL_ID", "Mail"])
def test_a_header_row_is_recognised_by_its_first_cell(heading):
    assert parse_candidate_rows(f"{heading},First Name,Last Name\nann@example.com,Ann,Lee", ["Email Address"]) == [
        {"Email Address": "ann@example.com", "First Name": "Ann", "Last Name": "Lee"}]


def test_a_bad_first_row_is_kept_for_registration_to_report():
    rows = parse_candidate_rows("not-an-email,Ann,Lee\nbob@example.com,Bob,Marsh", ["Email Address"])
    assert [r["Email Address"] for r in rows] == ["not-an-email", "bob@example.com"]


def test_quoted_values_keep_their_separators_and_quotes():
    text = '"lee@example.com","Ann, Jr.","O\'Neil ""the Great"""\n"mo@example.com";"x";"y"'
    rows = parse_candidate_rows(text, ["Email Address"])
    assert rows[0] == {"Email Address": "lee@example.com", "First Name": "Ann, Jr.", "Last Name": 'O\'Neil "the Great"'}


def test_semicolon_values_that_contain_commas():
    text = "ann@example.com;Lee, Ann;Smith\nbob@example.com;Bob;Marsh, Jr."
    assert parse_candidate_rows(text, ["Email Address"]) == [
        {"Email Address": "ann@example.com", "First Name": "Lee, Ann", "Last Name": "Smith"},
        {"Email Address": "bob@example.com", "First Name": "Bob", "Last Name": "Marsh, Jr."}]


def test_a_single_column_of_addresses():
    assert parse_candidate_rows("ann@example.com\nbob@example.com", ["Email Address"]) == [
        {"Email Address": "ann@example.com", "First Name": "", "Last Name": ""},
        {"Email Address": "bob@example.com", "First Name": "", "Last Name": ""}]


def test_a_single_row_with_semicolons():
    assert parse_candidate_rows("ann@example.com;Ann;Lee", ["Email Address"]) == [
        {"Email Address": "ann@example.com", "First Name": "Ann", "Last Name": "Lee"}]


def test_short_rows_are_padded_and_extra_cells_ignored():
    rows = parse_candidate_rows("ann@example.com,Ann\nbob@example.com,Bob,Marsh,E2,Pune,surplus", FIELDS)
    assert rows == [row("ann@example.com", "Ann"), row("bob@example.com", "Bob", "Marsh", "E2", "Pune")]


@pytest.mark.parametrize("text", ["", "   \n\n", "Email Address,First Name,Last Name\n", "\ufeff"])
def test_nothing_to_register_is_an_error_on_the_text(text):
    with pytest.raises(ValidationError) as caught:
        parse_candidate_rows(text, ["Email Address"])
    assert caught.value.field == "csv_text"


def test_at_most_five_thousand_rows():
    lines = [f"c{n}@example.com,First{n},Last{n}" for n in range(MAX_ROWS)]
    assert len(parse_candidate_rows("\n".join(["email,first,last", *lines]), ["Email Address"])) == MAX_ROWS
    with pytest.raises(ValidationError) as caught:
        parse_candidate_rows("\n".join([*lines, "one@example.com,One,More"]), ["Email Address"])
    assert "5001 rows" in caught.value.message


def test_files_in_utf8_with_a_bom_or_in_the_windows_code_page():
    assert decode_csv("\ufeffjosé@example.com,José".encode("utf-8")) == "josé@example.com,José"
    assert decode_csv("josé@example.com,José".encode("cp1252")) == "josé@example.com,José"
