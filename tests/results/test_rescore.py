"""A corrected key reaches the results already given: preview, then one audited re-score. Hand-computed:
three one-mark questions, pass at 60 %. Ann answers right, right, "wrong" (2 of 3, passed); Bob right,
"wrong", "wrong" (1 of 3, not passed). The key of the third question was wrong: "wrong" is its answer.
Re-scored, Ann has 3 (still passed) and Bob 2 (now passed): two results change, one outcome."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.results.helpers import sittings_with_a_wrong_key
from webapp.audit.models import AuditEntry
from webapp.bank.models import Question
from webapp.bank.services import question_input, update_question
from webapp.core.errors import NotFound, PermissionDenied
from webapp.core.extensions import db
from webapp.results import grading, rescoring
from webapp.results.models import Certificate
from webapp.sittings import taking
from webapp.sittings.models import Sitting


@pytest.fixture
def taken(admin, factory):
    return sittings_with_a_wrong_key(admin, factory)


def _correct_the_key(admin, question_id):
    data = question_input(db.session.get(Question, question_id))
    data.options = [{**option, "correct": not option["correct"]} for option in data.options]
    update_question(admin, question_id, data)
    db.session.commit()


def test_the_preview_counts_what_changes_and_changes_nothing(admin, taken):
    ann, bob, third = taken
    assert (ann.total_marks, ann.passed, bob.total_marks, bob.passed) == (2, True, 1, False)
    assert rescoring.outdated_results(admin, third) == 0
    _correct_the_key(admin, third)
    assert rescoring.outdated_results(admin, third) == 2

    preview = rescoring.preview_rescore(admin, third)

    assert (len(preview.sittings), preview.results_changing, preview.outcomes_changing) == (2, 2, 1)
    assert [(row.total_before, row.total_after, row.outcome_before, row.outcome_after) for row in preview.sittings] \
        == [(2, 3, "passed", "passed"), (1, 2, "not passed", "passed")]
    db.session.expire_all()
    assert (ann.total_marks, bob.total_marks, bob.passed) == (2, 1, False)          # nothing written
    assert db.session.scalar(select(Certificate).where(Certificate.sitting_id == bob.id)) is None


def test_the_re_score_follows_through_to_the_outcome_and_is_audited(admin, admin_client, taken):
    ann, bob, third = taken
    _correct_the_key(admin, third)
    page = BeautifulSoup(admin_client.get(f"/bank/questions/{third}").get_data(as_text=True), "html.parser")
    assert page.select_one("[data-outdated-results]").get_text().split()[0] == "2"
    page = BeautifulSoup(admin_client.get(f"/bank/questions/{third}/rescore").get_data(as_text=True), "html.parser")
    assert " ".join(page.select_one("[data-rescore-summary]").get_text().split()).startswith(
        "2 finished result(s) used an earlier key or marks: 2 result(s) change, 1 outcome(s) change.")

    assert admin_client.post(f"/bank/questions/{third}/rescore").status_code == 302

    db.session.expire_all()
    assert (ann.total_marks, bob.total_marks, bob.passed) == (3, 2, True)
    assert db.session.scalar(select(Certificate).where(Certificate.sitting_id == bob.id)) is not None
    assert rescoring.outdated_results(admin, third) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question.rescore"))
    assert entry.after["results changed"] == 2 and entry.after["outcomes changed"] == 1
    assert entry.actor_name == admin.name and "Bob" in " ".join(entry.after["changed"])


def test_marks_a_person_set_stand(admin, taken):
    ann, bob, third = taken
    items, responses = taking.items_and_responses(ann)
    response_id = next(responses[item.id].id for item in items if item.position == 2)
    grading.remark(admin, ann.id, response_id, 0.5, "Half right: the spelling counts.")
    db.session.commit()
    _correct_the_key(admin, third)
    assert [(row.sitting_id, row.marked_by_person) for row in rescoring.preview_rescore(admin, third).sittings] \
        == [(ann.id, True), (bob.id, False)]

    rescoring.apply_rescore(admin, third)

    db.session.expire_all()
    assert ann.total_marks == 2.5 and bob.total_marks == 2
    preview_of_ann = [row for row in rescoring.preview_rescore(admin, third).sittings if row.sitting_id == ann.id]
    assert preview_of_ann == []            # its item has the current key now, the person's marks kept


def test_only_graders_re_score_and_another_institute_is_untouched(admin, factory, taken):
    ann, bob, third = taken
    support = factory.staff(admin.institute, "support")
    _correct_the_key(admin, third)
    with pytest.raises(PermissionDenied):
        rescoring.apply_rescore(support, third)
    assert rescoring.outdated_results(support, third) == 0 and rescoring.outdated_results(admin, third) == 2
    other_admin = factory.institute("Elsewhere")[1]
    with pytest.raises(NotFound):
        rescoring.preview_rescore(other_admin, third)
    assert db.session.get(Sitting, bob.id).total_marks == 1
