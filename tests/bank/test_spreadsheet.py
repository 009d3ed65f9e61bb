"""The CSV/XLSX template format: its columns for every type, formula cells read as text, the template."""
import io

import openpyxl
import pytest
from sqlalchemy import select

from webapp.bank.formats import spreadsheet
from webapp.bank.interchange import detect_format
from webapp.bank import imports
from webapp.bank.models import Question
from webapp.core.extensions import db


def parse(text: str):
    return spreadsheet.parse_csv("bank.csv", text.encode())


def test_every_type_reads_into_the_shared_input_shapes():
    bank = parse(
        "Type;Skill;Stem;Option 1;Option 2;Option 3;Correct;Accepted answers;Tolerance;Units;Partial credit\n"
        "true_false;Geo;The Danube is long.;Wahr;Falsch;;false;;;;\n"
        "MATCHING;Geo;Match.;France => Paris;Spain => Madrid;=> Lisbon;;;;;yes\n"
        "ORDERING;History;Order.;Rome;Press;Moon;;;;;\n"
        "NUMERIC;Physics;g?;;;;;9.81|9,8;5%;m/s2 | cm/s2=0.01;\n"
        "FITB;Grammar;I [[1]] [[2]].;;;;;went|had gone||home;;;yes\n"
        "FILE_UPLOAD;Writing;Send it.;;;;;pdf|Image;;;\n"
        "MCA;Geo;Rivers?;Rhine;Alps;Danube;1, 3;;;;\n")
    assert bank.problems == [] and bank.format == "csv"
    fields = [item.fields for item in bank.items]
    assert fields[0]["options"] == [{"html": "Wahr", "correct": False}, {"html": "Falsch", "correct": True}]
    assert fields[1]["options"] == [{"html": "France", "match": 0}, {"html": "Spain", "match": 1}]
    assert fields[1]["targets"] == [{"html": "Paris"}, {"html": "Madrid"}, {"html": "Lisbon"}]
    assert fields[1]["partial_credit"] is True
    assert fields[2]["options"] == [{"html": "Rome"}, {"html": "Press"}, {"html": "Moon"}]
    assert fields[3]["accepted_answers"] == ["9.81", "9,8"]
    assert fields[3]["matching"] == {"tolerance": "5", "tolerance_percent": True, "unit_required": False}
    assert fields[3]["units"] == [{"unit": "m/s2", "factor": 1.0}, {"unit": "cm/s2", "factor": 0.01}]
    assert fields[4]["blanks"] == [{"accepted": ["went", "had gone"]}, {"accepted": ["home"]}]
    assert fields[5]["type"] == "FU" and fields[5]["answer_file"] == {"kinds": ["pdf", "image"], "max_mb": 10}
    assert [option["correct"] for option in fields[6]["options"]] == [True, False, True]
    assert [item.skill for item in bank.items] == ["Geo", "Geo", "History", "Physics", "Grammar", "Writing", "Geo"]
    assert [item.ref for item in bank.items] == [f"line {number}" for number in range(2, 9)]


def test_a_row_that_cannot_be_a_question_is_a_draft_with_its_reason():
    bank = parse("type,stem,option_1,correct\nTRUE_FALSE,Sure?,,maybe\nMATCHING,Pairs?,France Paris,\n")
    assert [item.skipped for item in bank.items] == ["Write true or false in the column “correct”.",
                                                     "Write each pair of a matching question as “premise => target”."]


@pytest.mark.parametrize("text, message", [
    ("", "The file holds no questions."),
    ("stem,option_1\nWhat?,A\n", "The header row must name the template's columns: unknown -, missing type."),
])
def test_a_file_that_is_not_the_template_is_a_problem_naming_it(text, message):
    assert [(problem.file, problem.message) for problem in parse(text).problems] == [("bank.csv", message)]


def test_formula_cells_are_read_as_text():
    bank = parse("type,stem,option_1,option_2,correct,negative_marks\n"
                 "MCQ,=HYPERLINK(\"http://evil\"),'=1+1,@SUM(A1),a,'-0.5\n")
    fields = bank.items[0].fields
    assert fields["stem"] == '=HYPERLINK("http://evil")'
    assert [option["html"] for option in fields["options"]] == ["=1+1", "@SUM(A1)"]
    assert fields["negative_marks"] == "-0.5"


def test_an_xlsx_workbook_reads_like_the_csv_and_a_broken_one_is_a_problem():
    workbook = openpyxl.Workbook()
    workbook.active.append(["type", "stem", "marks", "accepted_answers"])
    workbook.active.append(["SHORT_ANSWER", "=1+1", 2.0, 4])
    data = io.BytesIO()
    workbook.save(data)
    assert detect_format("questions.bin", data.getvalue()).name == "xlsx"
    bank = spreadsheet.parse_xlsx("questions.xlsx", data.getvalue())
    assert bank.problems == []
    assert (bank.items[0].fields["stem"], bank.items[0].fields["marks"],
            bank.items[0].fields["accepted_answers"]) == ("=1+1", "2", ["4"])
    broken = spreadsheet.parse_xlsx("broken.xlsx", b"PK\x03\x04 not a workbook")
    assert [(problem.file, problem.message) for problem in broken.problems] == [
        ("broken.xlsx", "The file is not an Excel workbook (.xlsx) that can be read.")]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_has_an_example_of_every_type_and_each_imports(kind, admin):
    data, filename = spreadsheet.template(kind)
    assert filename == f"questions-template.{kind}"
    run = imports.check_import(admin, filename, data)
    db.session.commit()
    assert run.problems == []
    assert [item["type"] for item in run.items] == ["MCQ", "MCA", "TRUE_FALSE", "FITB", "SHORT_ANSWER",
                                                    "LONG_ANSWER", "MATCHING", "ORDERING", "NUMERIC", "FU"]
    assert [item["reason"] for item in run.items] == [None] * 10
    if kind == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        assert workbook.sheetnames == ["Questions", "Columns"]
        help_rows = list(workbook["Columns"].iter_rows(values_only=True))
        assert help_rows[0] == ("Column", "What it holds") and help_rows[1][0] == "type"
        assert workbook["Questions"]["F10"].value == "'-0.5"     # negative marks kept from running as a formula


def test_the_template_exported_as_csv_imports_into_another_institute_as_the_same_questions(admin, factory):
    def stored(institute_id):
        return [(question.type, question.skill.name, question.stem, question.options, question.targets,
                 question.blanks, question.accepted_answers, question.partial_credit, question.marks,
                 question.negative_marks)
                for question in db.session.scalars(select(Question).where(Question.institute_id == institute_id)
                                                   .order_by(Question.id))]

    def import_all(actor, name, data):
        run = imports.check_import(actor, name, data)
        imports.start_import(actor, run.id)
        while imports.run_imports():
            pass
        db.session.commit()

    import_all(admin, *reversed(spreadsheet.template("csv")))
    data, filename = imports.export_questions(admin, "csv")
    __, other_admin = factory.institute()
    import_all(other_admin, filename, data)
    assert filename == "Question-bank.csv"
    assert stored(other_admin.institute_id) == stored(admin.institute_id) and len(stored(admin.institute_id)) == 10
