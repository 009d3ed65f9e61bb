"""Scoring a sitting's responses against the keys frozen with its items, and the result in the shape
of Mettl's results (section 6.2): totals, sections and their skills.

Partial credit. An item whose answer has parts (MCA's options, FITB's blanks, MATCHING's premises,
ORDERING's places) earns a share of its marks when its question gives partial credit:
- MCA: share = (correct options ticked - wrong options ticked) / correct options, floored at 0;
- FITB: share = blanks answered right / blanks (a blank chosen from a list is right when the choice is);
- MATCHING: share = premises matched with their target / premises;
- ORDERING: share = options in their right place / options.
The marks awarded are marks x share when share > 0, the negative marks when the answered item's share is
0, and the item is `correct` only at share 1. Without partial credit the share is 1 (all parts right) or
0, so an item is all or nothing. A NUMERIC answer is right or wrong (webapp/bank/numeric.py); a file
(FILE_UPLOAD) waits for a grader."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from webapp.bank.matching import AnswerKey
from webapp.bank.models import QuestionType
from webapp.bank.numeric import NumericKey


def is_answered(item_type: str, answer: dict | None) -> bool:
    if not answer:
        return False
    if item_type == QuestionType.MCQ:
        return bool(answer.get("option"))
    if item_type == QuestionType.MCA:
        return bool(answer.get("options"))
    if item_type == QuestionType.FITB:
        return any(str(value).strip() for value in answer.get("blanks") or [])
    if item_type == QuestionType.TRUE_FALSE:
        return bool(answer.get("option"))
    if item_type == QuestionType.MATCHING:
        return any(answer.get("pairs", {}).values())
    if item_type == QuestionType.ORDERING:
        return bool(answer.get("order"))
    if item_type == QuestionType.FILE_UPLOAD:
        return bool(answer.get("file"))
    return bool(str(answer.get("text") or "").strip())


@dataclass(frozen=True)
class ItemScore:
    awarded: float | None      # None while a grader has yet to mark it
    correct: bool | None       # None: unanswered or not machine-scored
    needs_grading: bool


def score_item(item_type: str, key: dict, marks: float, negative_marks: float, answer: dict | None) -> ItemScore:
    """Marks for one answer: `marks` when right, `negative_marks` (<= 0) when wrong, 0 when unanswered.
    MCA, FITB, MATCHING and ORDERING earn a share of the marks when their key gives partial credit (see the
    module). Essays, short answers without accepted answers and files wait for a grader. A typed answer is
    matched with the accepted ones as its key's options say (webapp/bank/matching.py), a number as
    webapp/bank/numeric.py says."""
    if not is_answered(item_type, answer):
        return ItemScore(0.0, None, False)
    if item_type in (QuestionType.MCQ, QuestionType.TRUE_FALSE):
        share = float(answer["option"] in key["correct"])
    elif item_type == QuestionType.MCA:
        share = _credited(key, choices_share(key, answer))
    elif item_type == QuestionType.MATCHING:
        share = _credited(key, pairs_share(key, answer))
    elif item_type == QuestionType.ORDERING:
        share = _credited(key, order_share(key, answer))
    elif item_type == QuestionType.FITB:
        share = _credited(key, blanks_share(key, answer))
    elif item_type == QuestionType.SHORT_ANSWER and key.get("accepted"):
        share = float(AnswerKey.from_key(key).accepts(answer["text"]))
    elif item_type == QuestionType.NUMERIC:
        share = float(NumericKey.from_key(key).accepts(str(answer.get("text") or "")))
    else:
        return ItemScore(None, None, True)
    return ItemScore(marks * share if share > 0 else negative_marks, share == 1, False)


def _credited(key: dict, share: float) -> float:
    """The share counted: as it is with partial credit, else all (1) or nothing (0)."""
    return share if key.get("partial_credit") else float(share == 1)


def choices_share(key: dict, answer: dict) -> float:
    """MCA: (correct options ticked - wrong options ticked) / correct options, at least 0."""
    correct, ticked = set(key["correct"]), set(answer["options"])
    if not correct:
        return 0.0
    return max(0.0, (len(ticked & correct) - len(ticked - correct)) / len(correct))


def pairs_share(key: dict, answer: dict) -> float:
    """MATCHING: the share of premises matched with their target."""
    pairs, given = key["pairs"], answer["pairs"]
    return sum(given.get(premise) == target for premise, target in pairs.items()) / len(pairs) if pairs else 0.0


def order_share(key: dict, answer: dict) -> float:
    """ORDERING: the share of options in their right place."""
    order, given = key["order"], answer["order"]
    return sum(a == b for a, b in zip(order, given)) / len(order) if order else 0.0


def blanks_share(key: dict, answer: dict) -> float:
    """FITB: the share of blanks answered right."""
    given = list(answer.get("blanks") or [])
    blanks = key["blanks"]
    given += [""] * (len(blanks) - len(given))
    return sum(AnswerKey.from_key(blank).accepts(str(text)) for text, blank in zip(given, blanks)) / len(blanks) \
        if blanks else 0.0


def _blank_counts() -> dict:
    return {"totalMarks": 0.0, "maxMarks": 0.0, "totalQuestions": 0, "totalCorrectAnswers": 0,
            "totalIncorrectAnswers": 0, "totalUnAnswered": 0, "pendingGrading": 0, "timeTaken": 0.0}


def _add(counts: dict, item, response) -> None:
    counts["maxMarks"] += item.marks
    counts["totalQuestions"] += 1
    counts["totalMarks"] += response.awarded or 0.0
    counts["timeTaken"] += response.seconds_spent or 0.0
    if not is_answered(item.question_type, response.answer):
        counts["totalUnAnswered"] += 1
    elif response.needs_grading:
        counts["pendingGrading"] += 1
    elif response.correct:
        counts["totalCorrectAnswers"] += 1
    else:
        counts["totalIncorrectAnswers"] += 1


def result_summary(sitting, items: list, responses: dict) -> dict:
    """Mettl's `result`: totals, then sectionMarks with skillMarks. `responses` maps item id to
    response; `attemptTime` and each `timeTaken` are the whole seconds the candidate spent on the test,
    the section and the skill's questions in it (taking.py, "Time spent")."""
    totals = _blank_counts()
    sections: dict[int, dict] = {}
    skills: dict[int, dict[str, dict]] = defaultdict(dict)
    for item in items:
        response = responses[item.id]
        _add(totals, item, response)
        _add(sections.setdefault(item.section_index, _blank_counts()), item, response)
        _add(skills[item.section_index].setdefault(item.skill_name, _blank_counts()), item, response)
    section_marks = []
    for index, section in enumerate(sitting.sections):
        counts = sections.get(index, _blank_counts())
        section_marks.append({
            "sectionName": section["name"], **_rounded(counts),
            "skillMarks": [{"skillName": name, **_rounded(skill)} for name, skill in skills[index].items()],
        })
    totals = _rounded(totals)
    # attemptTime is the sitting's sum, equal to its questions'; sittings finished before the time spent was
    # counted per question (migration 0008) have only that, their start-to-finish time.
    del totals["timeTaken"]
    return {**totals, "attemptTime": sitting.attempt_seconds or 0, "sectionMarks": section_marks}


def _rounded(counts: dict) -> dict:
    return {**counts, "totalMarks": round(counts["totalMarks"], 2), "maxMarks": round(counts["maxMarks"], 2),
            "timeTaken": round(counts["timeTaken"])}
