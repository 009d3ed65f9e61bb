"""Building a test in real Chromium, through the console only: skills and one question of every type
written in the bank's forms, an assessment created with two sections (one hand-picked through the picker
page, one drawn by a selection rule), its preview with and without the answer key; a ready-made test added
from the catalogue; a broken rule shown beside the builder's form. Services and the database are only used
to make the logged-in admin and to check what the clicks stored."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.e2e.conftest import browser_login
from webapp.assessments.models import Assessment
from webapp.bank.models import CefrLevel, Difficulty, Question, QuestionType, Skill
from webapp.core.extensions import db

pytestmark = pytest.mark.e2e

MCQ_STEM = "She ___ to school every day."
MCA_STEM = "Which of these words are verbs?"
FITB_STEM = "Yesterday we [[1]] to the park and [[2]] football."
SHORT_STEM = "What is the opposite of hot?"
ESSAY_STEM = "Describe your last holiday in about 100 words."
VOCABULARY_STEMS = ["A synonym of big is ___.", "A synonym of quick is ___.", "A synonym of happy is ___."]

TYPE_LABELS = {qtype: qtype.label for qtype in QuestionType}
# The types this test builds through the form, in its order.
BUILT = [QuestionType.MCQ, QuestionType.MCA, QuestionType.FITB, QuestionType.SHORT_ANSWER, QuestionType.LONG_ANSWER]


# Helpers that drive the console like a user ---------------------------------------------------

def notice(scope):
    """The flash message of a page (or the notice of a swapped section card). Not get_by_role("status"):
    the rule form's <output> hint is a status too."""
    return scope.locator("p.flash[role=status]")


def add_skill(page, name: str, description: str = "") -> None:
    page.goto("/bank/skills")
    # Every skill row has its own (collapsed) rename form with the same labels: use the "Add a skill" one.
    form = page.locator("section").filter(has=page.get_by_role("heading", name="Add a skill"))
    form.get_by_label("Name").fill(name)
    form.get_by_label("Description").fill(description)
    form.get_by_role("button", name="Add the skill").click()
    expect(notice(page)).to_have_text(f"The skill {name} is added.")
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()


def start_question(page, qtype: QuestionType, skill: str, difficulty: str, stem: str, level: str | None = None):
    """The new-question form with its common fields filled; the type <select> swaps in that type's fields."""
    page.goto("/bank/questions/new")
    if qtype != QuestionType.MCQ:   # the form opens on MCQ
        # By role: get_by_label("Type") would also match the "Question types" links above the form.
        page.get_by_role("combobox", name="Type", exact=True).select_option(label=TYPE_LABELS[qtype])
        marker = {
            QuestionType.MCA: page.get_by_text("Tick every correct option."),
            QuestionType.FITB: page.get_by_role("group", name="Blanks"),
            QuestionType.SHORT_ANSWER: page.get_by_role("group", name="Answer key"),
            QuestionType.LONG_ANSWER: page.get_by_text("An essay has no answer key"),
        }[qtype]
        marker.wait_for()   # the htmx swap of the type's fields is done
    page.get_by_label("Skill").select_option(label=skill)
    page.get_by_label("Difficulty").select_option(label=difficulty)
    if level:
        page.get_by_label("CEFR level").select_option(label=level)
    page.get_by_role("textbox", name="Question text").fill(stem)   # the rich-text editor


def fill_options(page, options: list[str], correct: set[str]) -> None:
    texts, ticks = page.get_by_role("textbox", name="Option text"), page.get_by_label("Correct", exact=True)
    assert texts.count() == len(options) == 4
    for index, text in enumerate(options):
        texts.nth(index).fill(text)
        if text in correct:
            ticks.nth(index).check()


def save_question(page, **marks) -> int:
    if "marks" in marks:
        page.get_by_label("Marks for a correct answer").fill(marks["marks"])
    if "negative" in marks:
        page.get_by_label("Marks for a wrong answer").fill(marks["negative"])
    page.get_by_role("button", name="Save the question").click()
    page.wait_for_url(re.compile(r"/bank/questions/\d+$"))
    question_id = int(page.url.rsplit("/", 1)[1])
    expect(notice(page)).to_have_text(f"Question {question_id} is saved.")
    return question_id


def create_assessment(page, name: str, first_section: str, duration: int = 30) -> int:
    page.goto("/assessments")
    page.get_by_role("button", name="New assessment").click()
    page.wait_for_url("**/assessments/new")
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_label("Duration (minutes)").fill(str(duration))
    page.get_by_label("Name of the first section").fill(first_section)
    page.get_by_role("button", name="Create the assessment").click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    expect(notice(page)).to_have_text(f"{name} is created. Now add questions to its section.")
    return int(page.url.rsplit("/", 1)[1])


def section_card(page, heading: str):
    return page.locator("article").filter(has=page.get_by_role("heading", name=heading, exact=True))


def fill_rule(card, *, skill: str, difficulty: str, count: str, correct: str, incorrect: str) -> None:
    card.get_by_label("Skill").select_option(label=skill)
    card.get_by_label("Difficulty").select_option(label=difficulty)
    card.get_by_label("Questions", exact=True).fill(count)
    card.get_by_label("Correct", exact=True).fill(correct)
    card.get_by_label("Incorrect", exact=True).fill(incorrect)


def summary_value(page, term: str):
    return page.locator("#assessment-summary dt", has_text=term).locator("xpath=following-sibling::dd[1]")


# 1. A two-section assessment, built and previewed ---------------------------------------------

def test_build_a_two_section_assessment_and_preview_it(page, admin):
    browser_login(page, admin.email)
    add_skill(page, "Grammar", "Tenses and parts of speech")
    add_skill(page, "Vocabulary")

    # One question of every type, in the bank's form.
    start_question(page, QuestionType.MCQ, "Grammar", "Easy", MCQ_STEM, level="A2")
    fill_options(page, ["goes", "go", "going", "gone"], {"goes"})
    mcq = save_question(page)

    start_question(page, QuestionType.MCA, "Grammar", "Medium", MCA_STEM)
    fill_options(page, ["run", "table", "swim", "blue"], {"run", "swim"})
    mca = save_question(page, marks="2", negative="-0.5")

    start_question(page, QuestionType.FITB, "Grammar", "Medium", FITB_STEM)
    page.get_by_role("button", name="Add a blank").click()
    answers = page.get_by_role("group", name="Blanks").get_by_label("Accepted answers for blank")
    expect(answers).to_have_count(2)
    answers.nth(0).fill("went")
    answers.nth(1).fill("played | kicked")
    fitb = save_question(page)
    # The bank's own preview shows the blanks as boxes, not as [[n]].
    expect(page.locator(".question-preview").get_by_role("textbox", name="Blank 2")).to_be_visible()

    start_question(page, QuestionType.SHORT_ANSWER, "Grammar", "Difficult", SHORT_STEM)
    page.get_by_label("Accepted answers", exact=True).fill("cold\nchilly")
    short = save_question(page)

    start_question(page, QuestionType.LONG_ANSWER, "Grammar", "Difficult", ESSAY_STEM)
    essay = save_question(page)

    vocabulary = []
    for stem, answer in zip(VOCABULARY_STEMS, ["large", "fast", "glad"]):
        start_question(page, QuestionType.MCQ, "Vocabulary", "Easy", stem)
        fill_options(page, [answer, "small", "slow", "sad"], {answer})
        vocabulary.append(save_question(page))
    grammar = [mcq, mca, fitb, short, essay]

    # The assessment, with its first section built from hand-picked questions.
    assessment_id = create_assessment(page, "Grammar and vocabulary check", "Hand-picked")
    picked = section_card(page, "1. Hand-picked")
    expect(picked.get_by_text("No hand-picked questions.")).to_be_visible()
    picked.get_by_role("button", name="Add questions from the bank").click()
    page.wait_for_url(re.compile(rf"/assessments/{assessment_id}/sections/\d+/pick$"))
    expect(page.get_by_role("heading", name="Add questions to Hand-picked")).to_be_visible()
    page.get_by_label("Skill").select_option(label="Grammar")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/pick\?.*skill_id=\d+"))
    expect(page.get_by_role("checkbox")).to_have_count(5)   # the Vocabulary questions are filtered out
    for stem in [MCQ_STEM, MCA_STEM, FITB_STEM, SHORT_STEM, ESSAY_STEM]:
        page.get_by_label(stem, exact=True).check()
    page.get_by_role("button", name="Add the ticked questions").click()
    page.wait_for_url(re.compile(rf"/assessments/{assessment_id}(#section-\d+)?$"))
    expect(notice(page)).to_have_text("5 questions are added to Hand-picked.")
    picks_table = picked.locator("table.picks tbody tr")
    expect(picks_table).to_have_count(5)
    for qtype in BUILT:
        expect(picked.locator("table.picks")).to_contain_text(qtype.label)

    # The second section, drawn from the bank by a rule.
    adder = page.locator("article").filter(has=page.get_by_text("Add a section", exact=True))
    adder.get_by_label("Section name").fill("Drawn from the bank")
    adder.get_by_role("button", name="Add the section").click()
    expect(notice(page)).to_have_text("Section Drawn from the bank is added.")
    drawn = section_card(page, "2. Drawn from the bank")
    expect(drawn.get_by_text("No selection rules.")).to_be_visible()
    fill_rule(drawn, skill="Vocabulary", difficulty="Easy", count="2", correct="2", incorrect="-0.5")
    # The form's htmx hint counts the questions its choices match.
    expect(drawn.locator("output")).to_have_text("3 matching questions in your bank.")
    marker = page.evaluate("() => (window.stillTheSameBuilder = 42)")
    drawn.get_by_role("button", name="Add the rule").click()
    expect(notice(drawn)).to_have_text("2 questions of Vocabulary are added to Drawn from the bank.")
    assert page.evaluate("() => window.stillTheSameBuilder") == marker   # swapped in place, no reload
    rule_row = drawn.locator("table.rules tbody tr")
    expect(rule_row).to_have_count(1)
    expect(rule_row.locator("td")).to_have_text(
        ["Vocabulary", "Easy", "All types", "Any level", "2", "2", "-0.5", "per candidate", "3", "Remove"])
    # The summary is refreshed out of band: 5 picks + 2 drawn; 1+2+1+1+1 marks + 2 x 2.
    expect(summary_value(page, "Questions")).to_have_text("7 in 2 sections")
    expect(summary_value(page, "Max marks")).to_have_text("10")

    # The preview: every section and question type, with the candidate's inputs, and no key.
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(f"**/assessments/{assessment_id}/preview")
    sections = page.locator("section.paper-section")
    expect(sections).to_have_count(2)
    first, second = sections.nth(0), sections.nth(1)
    expect(first.get_by_role("heading", level=2)).to_have_text("Hand-picked")
    expect(second.get_by_role("heading", level=2)).to_have_text("Drawn from the bank")
    expect(first.locator("article")).to_have_count(5)
    expect(second.locator("article")).to_have_count(2)
    expect(second).to_contain_text("2 questions.")

    def question(section, stem_text):
        return section.locator("article").filter(has_text=stem_text)

    mcq_card = question(first, MCQ_STEM)
    expect(mcq_card.get_by_role("radio")).to_have_count(4)
    expect(mcq_card.get_by_role("checkbox")).to_have_count(0)
    mca_card = question(first, MCA_STEM)
    expect(mca_card.get_by_role("checkbox")).to_have_count(4)
    expect(mca_card.get_by_role("radio")).to_have_count(0)
    expect(mca_card.get_by_text("Select all that apply.")).to_be_visible()
    fitb_card = question(first, "Yesterday we")
    expect(fitb_card.get_by_role("textbox")).to_have_count(2)
    expect(fitb_card.get_by_role("textbox", name="Blank 1")).to_be_visible()
    expect(fitb_card.get_by_role("textbox", name="Blank 2")).to_be_visible()
    # The [[n]] markers are replaced by the boxes, not shown as text.
    expect(fitb_card.locator(".question-stem")).to_have_text(
        re.compile(r"^\s*Yesterday we\s+to the park and\s+football\.\s*$"))
    short_card = question(first, SHORT_STEM)
    expect(short_card.locator("input[type=text]")).to_have_count(1)
    expect(short_card.locator("textarea")).to_have_count(0)
    essay_card = question(first, ESSAY_STEM)
    expect(essay_card.locator("textarea")).to_have_count(1)
    expect(essay_card.locator("input")).to_have_count(0)
    for card in (mcq_card, mca_card, fitb_card, short_card, essay_card):
        for control in card.locator("input, textarea").all():
            expect(control).to_be_disabled()
    drawn_stems = [question_card.locator(".question-stem").inner_text().strip()
                   for question_card in second.locator("article").all()]
    assert len(set(drawn_stems)) == 2 and set(drawn_stems) <= set(VOCABULARY_STEMS)
    for question_card in second.locator("article").all():
        expect(question_card.get_by_role("radio")).to_have_count(4)
    # No answer key: nothing marked correct, no keys, no marks.
    expect(page.locator("main")).not_to_contain_text("(correct)")
    expect(page.locator("main")).not_to_contain_text("Key:")
    expect(page.locator(".correct, .answer-key, .marks")).to_have_count(0)
    expect(page.get_by_role("button", name="Hide the answer key")).to_have_count(0)

    page.get_by_role("button", name="Show the answer key").click()
    page.wait_for_url(re.compile(rf"/assessments/{assessment_id}/preview\?.*key=1"))
    expect(page.get_by_role("button", name="Hide the answer key")).to_be_visible()
    # The same sample (the link carries its seed), now with the key.
    assert [card.locator(".question-stem").inner_text().strip()
            for card in second.locator("article").all()] == drawn_stems
    expect(mcq_card.locator("label.correct")).to_have_count(1)
    expect(mcq_card.locator("label.correct")).to_have_text("goes (correct)")
    expect(mcq_card.locator(".marks")).to_have_text("1 mark · Grammar · Easy · A2")
    expect(mca_card.locator("label.correct")).to_have_text(["run (correct)", "swim (correct)"])
    expect(mca_card.locator(".marks")).to_have_text("2 marks, -0.5 if wrong · Grammar · Medium")
    expect(fitb_card.locator(".answer-key")).to_have_text(
        re.compile(r"Key:\s*\[\[1\]\] went;\s*\[\[2\]\] played / kicked"))
    expect(short_card.locator(".answer-key")).to_have_text(re.compile(r"Key:\s*cold / chilly"))
    expect(essay_card.locator(".answer-key")).to_have_text(re.compile(r"Key:\s*graded by hand"))
    for question_card in second.locator("article").all():
        expect(question_card.locator("label.correct")).to_have_count(1)
        expect(question_card.locator(".marks")).to_have_text("2 marks, -0.5 if wrong · Vocabulary · Easy")

    # What the clicks stored.
    db.session.expire_all()
    stored = {question.id: question for question in db.session.scalars(select(Question))}
    assert sorted(stored) == sorted(grammar + vocabulary)
    assert [stored[qid].type for qid in grammar] == BUILT
    assert [(o["html"], o["correct"]) for o in stored[mca].options] == [
        ("run", True), ("table", False), ("swim", True), ("blue", False)]
    assert (stored[mca].marks, stored[mca].negative_marks) == (2, -0.5)
    assert stored[mcq].cefr_level == CefrLevel.A2
    assert [blank["accepted"] for blank in stored[fitb].blanks] == [["went"], ["played", "kicked"]]
    assert stored[short].accepted_answers == ["cold", "chilly"]
    assert {stored[qid].skill.name for qid in vocabulary} == {"Vocabulary"}

    assessment = db.session.get(Assessment, assessment_id)
    assert assessment.name == "Grammar and vocabulary check" and assessment.duration_minutes == 30
    assert [section.name for section in assessment.sections] == ["Hand-picked", "Drawn from the bank"]
    hand_picked, by_rule = assessment.sections
    assert sorted(pick.question_id for pick in hand_picked.picks) == sorted(grammar)
    assert hand_picked.rules == [] and by_rule.picks == []
    [rule] = by_rule.rules
    assert (rule.skill.name, rule.difficulty, rule.question_type, rule.cefr_level) == (
        "Vocabulary", Difficulty.EASY, None, None)
    assert (rule.question_count, rule.correct_grade, rule.incorrect_grade, rule.pooling) == (2, 2.0, -0.5, True)


# 2. A ready-made test from the catalogue ------------------------------------------------------

def test_add_a_pre_built_test_from_the_catalogue(page, admin):
    browser_login(page, admin.email)
    page.goto("/assessments")
    page.get_by_role("button", name="Catalogue of ready-made tests").click()
    page.wait_for_url("**/assessments/catalogue")
    english = page.locator("article").filter(
        has=page.get_by_role("heading", name="Proctora English Placement Test", exact=True))
    expect(english).to_have_count(1)
    expect(english).to_contain_text("51")
    english.get_by_role("button", name="Add to my account").click()

    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assessment_id = int(page.url.rsplit("/", 1)[1])
    expect(notice(page)).to_have_text(
        "Proctora English Placement Test is now in your account, with its questions in your bank.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proctora English Placement Test")
    expect(page.locator("article h3")).to_have_text(["1. Grammar and Vocabulary", "2. Reading", "3. Writing"])
    expect(summary_value(page, "Kind")).to_have_text("Placement test")
    expect(summary_value(page, "Questions")).to_have_text("51 in 3 sections")
    expect(summary_value(page, "Duration")).to_contain_text("50 min")
    expect(section_card(page, "1. Grammar and Vocabulary").locator("table.picks tbody tr")).to_have_count(39)
    expect(section_card(page, "2. Reading").locator("table.picks tbody tr")).to_have_count(11)
    expect(section_card(page, "3. Writing").locator("table.picks tbody tr")).to_have_count(1)

    # Its questions are in the bank, tagged with their CEFR level.
    page.get_by_role("link", name="Question bank").click()
    page.wait_for_url("**/bank/questions")
    expect(page.locator(".pagination")).to_contain_text("51 in all")
    page.get_by_label("CEFR level").select_option("B1")
    page.wait_for_url("**/bank/questions?*level=B1*")
    rows = page.locator(".question-table tbody tr")
    expect(rows).to_have_count(10)
    expect(rows.locator("td:nth-child(6)")).to_have_text(["B1"] * 10)
    expect(page.locator(".pagination")).to_have_count(0)

    # The catalogue now knows the test is in the account: a link to it, no second "add" button.
    page.goto("/assessments/catalogue")
    expect(english.get_by_text("In your account")).to_be_visible()
    expect(english.get_by_role("button", name="Add to my account")).to_have_count(0)
    english.get_by_role("link", name="Open it").click()
    page.wait_for_url(f"**/assessments/{assessment_id}")

    db.session.expire_all()
    [assessment] = db.session.scalars(select(Assessment)).all()
    assert assessment.id == assessment_id and assessment.catalogue_slug == "english-placement"
    assert [(section.name, len(section.picks)) for section in assessment.sections] == [
        ("Grammar and Vocabulary", 39), ("Reading", 11), ("Writing", 1)]
    assert db.session.scalar(select(func.count(Question.id)).where(Question.cefr_level == CefrLevel.B1)) == 10
    assert db.session.scalar(select(func.count(Question.id)).where(Question.cefr_level.is_(None))) == 0


# 3. A broken rule, shown where it was typed ---------------------------------------------------

def test_a_broken_rule_is_shown_next_to_the_form(page, admin):
    browser_login(page, admin.email)
    add_skill(page, "Vocabulary")
    start_question(page, QuestionType.MCQ, "Vocabulary", "Easy", VOCABULARY_STEMS[0])
    fill_options(page, ["large", "small", "slow", "sad"], {"large"})
    save_question(page)
    assessment_id = create_assessment(page, "Vocabulary check", "Words")

    card = section_card(page, "1. Words")
    fill_rule(card, skill="Vocabulary", difficulty="Easy", count="5", correct="3", incorrect="-1")
    card.get_by_label("Each candidate draws their own (pooling)").uncheck()
    expect(card.locator("output")).to_have_text("1 matching question in your bank.")
    marker = page.evaluate("() => (window.stillTheSameBuilder = 7)")
    card.get_by_role("button", name="Add the rule").click()

    count = card.get_by_label("Questions", exact=True)
    message = ("E708: In section Words, no of questions in skill Vocabulary, difficulty level EASY, "
               "questiontype AllType exceeds that in your question bank (1 available).")
    error = card.locator(".field-error")
    expect(error).to_have_text(message)
    expect(count).to_have_attribute("aria-invalid", "true")
    # The message is tied to the field it is about, and sits right after it in the form.
    expect(count).to_have_attribute("aria-describedby", error.get_attribute("id"))
    assert count.evaluate("(input) => input.closest('div').contains(document.getElementById("
                          "input.getAttribute('aria-describedby')))")
    assert page.evaluate("() => window.stillTheSameBuilder") == marker   # the card was swapped, no reload
    expect(page.locator(".flash-error, [role=alert]")).to_have_count(0)  # not a page-level error
    # What was typed is kept, and the form stays open to correct it.
    expect(card.locator("details.rule-form")).to_have_attribute("open", "")
    expect(card.get_by_label("Skill")).to_have_value("Vocabulary")
    expect(card.get_by_label("Difficulty")).to_have_value("EASY")
    expect(count).to_have_value("5")
    expect(card.get_by_label("Correct", exact=True)).to_have_value("3")
    expect(card.get_by_label("Incorrect", exact=True)).to_have_value("-1")
    expect(card.get_by_label("Each candidate draws their own (pooling)")).not_to_be_checked()
    expect(card.get_by_text("No selection rules.")).to_be_visible()

    # Correcting the count is enough to save the rule.
    count.fill("1")
    card.get_by_role("button", name="Add the rule").click()
    expect(notice(card)).to_have_text("1 question of Vocabulary is added to Words.")
    expect(card.locator(".field-error")).to_have_count(0)

    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment_id)
    [rule] = assessment.sections[0].rules
    assert (rule.question_count, rule.correct_grade, rule.incorrect_grade, rule.pooling) == (1, 3.0, -1.0, False)
    assert len(rule.fixed_question_ids) == 1
    assert db.session.scalar(select(func.count(Skill.id))) == 1
