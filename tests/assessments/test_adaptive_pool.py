"""The catalogue's adaptive English placement test (catalogue/english-adaptive-placement.json): at least 12 items
of every CEFR level, of the three skills, auto-scored, in the question format of english-placement.json, with
keys that hold; an institute adds it as an adaptive placement test."""
from __future__ import annotations

import json
import re
from collections import Counter

from webapp.assessments import catalogue
from webapp.assessments.models import AssessmentKind
from webapp.core.extensions import db
from webapp.bank.models import CefrLevel, Difficulty

POOL_FILE = catalogue.CATALOGUE_DIR / "english-adaptive-placement.json"
TEST = json.loads(POOL_FILE.read_text(encoding="utf-8"))
FIXED = json.loads((catalogue.CATALOGUE_DIR / "english-placement.json").read_text(encoding="utf-8"))
QUESTIONS = TEST["questions"]


def test_the_test_has_the_placement_tests_shape_and_the_adaptive_settings():
    assert TEST["slug"] == "english-adaptive-placement" and TEST["kind"] == "placement"
    assert {"name", "description", "hero_message", "keywords", "duration", "instructions"} <= set(TEST)
    assert TEST["adaptive"] == {"min_items": 8, "max_items": 25, "target_standard_error": 0.45,
                                "exposure_choices": 3, "skill_shares": {"Grammar": 2, "Vocabulary": 2, "Reading": 1}}
    assert TEST["slug"] in {test.slug for test in catalogue.catalogue()}


def test_every_level_has_at_least_12_items_of_the_three_skills():
    by_level = Counter(question["level"] for question in QUESTIONS)
    assert set(by_level) == {level.value for level in CefrLevel} and min(by_level.values()) >= 12
    for level in CefrLevel:
        skills = {question["skill"] for question in QUESTIONS if question["level"] == level.value}
        assert skills == {"Grammar", "Vocabulary", "Reading"}, level
    assert {question["difficulty"] for question in QUESTIONS} <= {difficulty.value for difficulty in Difficulty}


def test_the_items_are_auto_scored_in_the_fixed_forms_format_with_unique_keys_and_stems():
    keys = [question["key"] for question in QUESTIONS]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & {question["key"] for question in FIXED["questions"]}
    assert len({question["stem"] for question in QUESTIONS}) == len(QUESTIONS)
    assert Counter(question["type"] for question in QUESTIONS)["MCQ"] > len(QUESTIONS) * 0.7
    fixed_fields = {question["type"]: set(question) for question in FIXED["questions"]}
    for question in QUESTIONS:
        assert question["type"] in ("MCQ", "FITB") and set(question) == fixed_fields[question["type"]], \
            question["key"]
        assert question["marks"] == 1 and question["negative_marks"] == 0


def test_each_multiple_choice_has_exactly_one_correct_option_among_distinct_ones():
    for question in (question for question in QUESTIONS if question["type"] == "MCQ"):
        options = question["options"]
        assert len(options) == 4, question["key"]
        assert sum(option["correct"] is True for option in options) == 1, question["key"]
        texts = [option["html"].strip().lower() for option in options]
        assert len(set(texts)) == len(texts) and all(texts), question["key"]


def test_each_blank_has_accepted_answers_and_its_place_in_the_stem():
    for question in (question for question in QUESTIONS if question["type"] == "FITB"):
        blanks = question["blanks"]
        assert re.findall(r"\[\[(\d+)\]\]", question["stem"]) == [str(n) for n in range(1, len(blanks) + 1)]
        for blank in blanks:
            assert blank["accepted"] and all(answer.strip() for answer in blank["accepted"]), question["key"]
            assert len({answer.lower() for answer in blank["accepted"]}) == len(blank["accepted"])


def test_an_institute_adds_it_as_an_adaptive_placement_test_over_the_whole_pool(admin):
    assessment = catalogue.add_to_institute(admin, "english-adaptive-placement")
    db.session.commit()
    assert assessment.kind == AssessmentKind.PLACEMENT and assessment.adaptive
    assert assessment.adaptive["max_items"] == 25 and assessment.adaptive["skill_shares"]["Reading"] == 1
    assert sum(len(section.picks) for section in assessment.sections) == len(QUESTIONS)
