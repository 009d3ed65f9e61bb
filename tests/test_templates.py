"""Templates render what the models and services decide: none compares an enum's value (a state, a kind,
a role) to decide what shows. Python says it once, with a well-named property."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

ENUM_COMPARISON = re.compile(
    r"""\.value\s*(==|!=|(not\s+)?in\b)"""                       # status.value == "exam_started"
    r"""|\.(status|kind|role|finish_mode|question_type|field_type|access_type|schedule_type"""
    r"""|ip_restriction)\s*(==|!=|(not\s+)?in\b)\s*["'(\[]""")  # outcome.status == "ToBeTaken"

# The question-type rendering, which the question-types work of issue 12 moves out of these templates.
# Each leaves this list when it no longer compares (the test below says when).
NOT_YET = {"bank/question_detail.html", "assessments/preview.html", "candidate/exam.html"}


def _comparisons(path: Path) -> list[str]:
    return [f"templates/{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if ENUM_COMPARISON.search(line)]


def test_no_template_compares_an_enum_value():
    found = [hit for path in sorted(TEMPLATES.rglob("*.html")) if str(path.relative_to(TEMPLATES)) not in NOT_YET
             for hit in _comparisons(path)]
    assert not found, "Give the model or service a well-named property instead of comparing in the template:\n" \
        + "\n".join(found)


def test_the_exceptions_still_compare():
    cleaned = [name for name in sorted(NOT_YET) if not _comparisons(TEMPLATES / name)]
    assert not cleaned, f"These templates no longer compare enum values: remove them from NOT_YET: {cleaned}"


def test_the_scan_sees_a_comparison():
    # The pattern itself: what it must catch and what it must let through.
    assert ENUM_COMPARISON.search('{% if sitting.status.value == "exam_started" %}')
    assert ENUM_COMPARISON.search("{% if kind.value in ('MCQ', 'MCA') %}")
    assert ENUM_COMPARISON.search('{% if outcome.status == "Error" %}')
    assert not ENUM_COMPARISON.search("{% if sitting.is_running %}")
    assert not ENUM_COMPARISON.search('<option value="{{ choice.value }}">')
    assert not ENUM_COMPARISON.search("{% if f.type == 'BooleanField' %}")   # a form field's class, not an enum
