"""Adaptive placement delivery with the clock in the test's hands: the pool frozen at session open, one item
served at a time after each answer, the stopping rules, the estimate and path stored, reload and resume,
late and repeated saves."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.candidate.helpers import adaptive_exam, answer_adaptive, build_adaptive_pool, shown_item
from webapp.assessments.catalogue import add_test, load_catalogue
from webapp.assessments.services import check_adaptive, update_settings
from webapp.bank.adaptive import PRIOR_DIFFICULTY
from webapp.bank.models import CefrLevel
from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.proctor_moves import resume
from webapp.sittings.models import FinishMode, Sitting, SittingItem, SittingStatus
from webapp.sittings.services import register_candidates

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def pool(admin):
    return build_adaptive_pool(admin)


def _started(admin, exam, email="ann@example.com") -> Sitting:
    outcome, = register_candidates(admin, exam.id, [{"Email Address": email, "First Name": "Ann", "Last Name": "Lee"}])
    sitting = db.session.get(Sitting, outcome.sitting_id)
    taking.start_check(sitting, ip_address="127.0.0.1", now=T0)
    taking.complete_check(sitting, browser={"userAgent": "test"}, now=T0)
    taking.start_exam(sitting, now=T0)
    db.session.commit()
    return sitting


def _served(sitting) -> list[SittingItem]:
    return db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                              .order_by(SittingItem.position)).all()


def test_the_pool_is_frozen_and_one_item_is_served_at_the_start(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool))
    assert len(sitting.adaptive_pool) == 28   # the essay is not auto-scored: left out
    assert {entry["item"]["question_type"] for entry in sitting.adaptive_pool} == {"MCQ"}
    served, = _served(sitting)
    # Starting in the middle of the scale, the most informative item is a B1 one.
    assert (served.position, served.cefr_level, sitting.current_item) == (0, "B1", 0)
    assert sitting.adaptive["start"] == 0.0 and sitting.adaptive["path"] == []


def test_the_next_item_follows_the_answers(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool, skill_shares={"Grammar": 1, "Vocabulary": 1}))
    levels = []
    for right in (True, True, False):
        levels.append(answer_adaptive(sitting, right, now=T0).cefr_level)
    levels.append(shown_item(sitting).cefr_level)
    rank = [CefrLevel(level).rank for level in levels]
    assert rank[1] > rank[0] and rank[2] >= rank[1] and rank[3] <= rank[2]
    # Rasch items without calibration and no exposure control: each item served is the one nearest the
    # estimate before it (the most informative), its level's prior difficulty within half a step.
    abilities = [0.0] + [step["ability"] for step in sitting.adaptive["path"]]
    assert all(abs(PRIOR_DIFFICULTY[CefrLevel(level)] - ability) <= 0.5 for level, ability in zip(levels, abilities))
    # Content balancing: the skills take turns.
    skills = [item.skill_name for item in _served(sitting)]
    assert skills == ["Grammar", "Vocabulary", "Grammar", "Vocabulary"] or \
        skills == ["Vocabulary", "Grammar", "Vocabulary", "Grammar"]
    path = sitting.adaptive["path"]
    assert [step["score"] for step in path] == [1.0, 1.0, 0.0]
    assert path[1]["ability"] > path[0]["ability"] > 0 and path[2]["ability"] < path[1]["ability"]
    assert path[2]["standard_error"] < path[0]["standard_error"]


def test_a_sittings_sequence_is_reproducible(factory, admin, pool):
    """The exposure control draws at random, seeded by the sitting: the same answers give the same items."""
    sitting = _started(admin, adaptive_exam(factory, admin, pool, exposure_choices=4))
    db.session.commit()
    first = [answer_adaptive(sitting, right, now=T0).question_id for right in (True, False, True)]
    first.append(shown_item(sitting).question_id)
    # The same sitting again from its start.
    for item in _served(sitting)[1:]:
        db.session.delete(item)
    sitting.adaptive = {**sitting.adaptive, "served": sitting.adaptive["served"][:1], "path": []}
    sitting.current_item = 0
    db.session.commit()
    again = [answer_adaptive(sitting, right, now=T0).question_id for right in (True, False, True)]
    again.append(shown_item(sitting).question_id)
    assert again == first


def test_stops_by_precision_and_places(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool, min_items=3, target_standard_error=1.0))
    while sitting.status == SittingStatus.EXAM_STARTED:
        answer_adaptive(sitting, True, now=T0)
    assert sitting.finish_mode == FinishMode.NORMAL_SUBMISSION
    assert sitting.adaptive["stop_reason"] == "precision"
    record = sitting.placement["adaptive"]
    assert record["items"] == len(sitting.adaptive["path"]) >= 3
    assert record["standard_error"] <= 1.0 and record["ability"] > 0
    assert sitting.level == CefrLevel(sitting.placement["level"]) and sitting.level.rank > CefrLevel.B1.rank
    assert [step["ability"] for step in record["path"]] == [
        round(step["ability"], 3) for step in sitting.adaptive["path"]]
    # Graded on the served items alone.
    assert sitting.max_marks == record["items"] and sitting.total_marks == record["items"]


def test_stops_by_length_with_levels_per_skill(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool, max_items=6, target_standard_error=0.1,
                                    skill_shares={"Grammar": 1, "Vocabulary": 1}))
    for right in (True, False) * 3:
        answer_adaptive(sitting, right, now=T0)
    assert sitting.status == SittingStatus.EXAM_FINISHED
    assert sitting.adaptive["stop_reason"] == "length" and len(_served(sitting)) == 6
    skills = {skill["skill"]: skill["level"] for skill in sitting.placement["skills"]}
    assert set(skills) == {"Grammar", "Vocabulary"} and all(skills.values())


def test_stops_when_the_pool_is_spent(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool[:3], target_standard_error=0.1))
    for _ in range(3):
        answer_adaptive(sitting, False, now=T0)
    assert sitting.adaptive["stop_reason"] == "pool" and sitting.status == SittingStatus.EXAM_FINISHED
    assert sitting.level == CefrLevel.PRE_A1


def test_time_running_out_ends_it_and_counts_the_saved_answer(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool, target_standard_error=0.1))
    answer_adaptive(sitting, True, now=T0)
    shown = shown_item(sitting)
    taking.save_answer(sitting, shown.id, answer={"option": next(
        option["id"] for option in shown.options if option["html"] == "right")}, version=1, now=T0)
    db.session.commit()
    taking.sitting_for_token(sitting.access_token, now=T0 + timedelta(minutes=31))
    db.session.commit()
    assert sitting.finish_mode == FinishMode.EXPIRED and sitting.adaptive["stop_reason"] == "time"
    assert [step["score"] for step in sitting.adaptive["path"]] == [1.0, 1.0]
    assert sitting.placement["adaptive"]["items"] == 2 and sitting.level is not None


def test_resume_shows_the_same_item_and_no_going_back(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool))
    first = answer_adaptive(sitting, True, now=T0).id
    shown = shown_item(sitting).position
    db.session.expunge_all()
    again = taking.sitting_for_token(sitting.access_token, now=T0 + timedelta(minutes=5))
    page = taking.exam_page(again, now=T0 + timedelta(minutes=5))
    assert page.position == shown == again.current_item
    # An answer to an item already left is not stored, and it does not move the test on.
    result = taking.save_answer(again, first, answer={"option": "zzz"}, version=9, now=T0 + timedelta(minutes=5))
    assert not result.saved
    assert not taking.next_adaptive_item(again, first, now=T0 + timedelta(minutes=5))
    assert len(again.adaptive["path"]) == 1


def test_a_repeated_save_and_next_move_on_once(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool))
    item = shown_item(sitting)
    right = next(option["id"] for option in item.options if option["html"] == "right")
    assert taking.save_answer(sitting, item.id, answer={"option": right}, version=2, now=T0).saved
    assert not taking.save_answer(sitting, item.id, answer={"option": right}, version=2, now=T0).saved
    assert taking.next_adaptive_item(sitting, item.id, now=T0)
    # The same request again (its answer was lost on the way back): nothing more is served.
    assert not taking.next_adaptive_item(sitting, item.id, now=T0)
    db.session.commit()
    assert len(_served(sitting)) == 2 and len(sitting.adaptive["path"]) == 1


def test_an_offline_answer_is_scored_when_it_arrives(factory, admin, pool):
    """The page keeps an answer given offline and sends it later, the newest version winning; the next item
    is chosen only from what the server has."""
    sitting = _started(admin, adaptive_exam(factory, admin, pool))
    item = shown_item(sitting)
    wrong = next(option["id"] for option in item.options if option["html"] == "wrong")
    right = next(option["id"] for option in item.options if option["html"] == "right")
    later = T0 + timedelta(minutes=4)
    assert taking.save_answer(sitting, item.id, answer={"option": right}, version=3, now=later).saved
    # An older version (sent before the connection dropped) arriving after it changes nothing.
    assert not taking.save_answer(sitting, item.id, answer={"option": wrong}, version=2, now=later).saved
    assert taking.next_adaptive_item(sitting, item.id, now=later)
    assert sitting.adaptive["path"][0]["score"] == 1.0


def test_the_settings_are_checked():
    assert check_adaptive({})["max_items"] == 30
    assert check_adaptive({"start_level": "A2", "skill_shares": {" Reading ": "2"}})["skill_shares"] == {"Reading": 2.0}
    for wrong in ({"min_items": 0}, {"min_items": 10, "max_items": 5}, {"target_standard_error": 0},
                  {"target_standard_error": "x"}, {"exposure_choices": True}, {"start_level": "Z9"},
                  {"skill_shares": {"Reading": -1}}, {"skill_shares": ["Reading"]}, {"speed": 1}, []):
        with pytest.raises(ValidationError):
            check_adaptive(wrong)


def test_the_start_may_be_the_candidates_level(factory, admin, pool):
    exam = adaptive_exam(factory, admin, pool)
    update_settings(admin, exam.assessment_id, {"adaptive": {"start_level": "candidate", "exposure_choices": 1}})
    db.session.commit()
    outcome, = register_candidates(admin, exam.id, [{"Email Address": "c2@example.com", "First Name": "Bo",
                                                      "Last Name": "Ng"}])
    sitting = db.session.get(Sitting, outcome.sitting_id)
    sitting.candidate.current_level = CefrLevel.C1
    taking.start_check(sitting, ip_address="127.0.0.1", now=T0)
    taking.complete_check(sitting, browser={}, now=T0)
    assert sitting.adaptive["start"] == 2.0 and shown_item(sitting).cefr_level == "C1"


def test_a_catalogue_test_may_be_adaptive(admin):
    """The catalogue's shape with an "adaptive" object and no sections: its questions are the pool."""
    test, = load_catalogue(FIXTURES / "adaptive_catalogue")
    assert (test.slug, test.question_count) == ("mini-adaptive", 14)
    assessment = add_test(admin, test)
    db.session.commit()
    assert assessment.adaptive == {"start_level": "A2", "min_items": 3, "max_items": 6, "target_standard_error": 0.5,
                                   "exposure_choices": 3, "skill_shares": {"Grammar": 1.0, "Vocabulary": 1.0}}
    section, = assessment.sections
    assert (section.name, len(section.picks)) == ("Mini adaptive placement", 14)


def test_a_resumed_test_goes_on_to_its_rule(factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool, min_items=3, max_items=3,
                                            target_standard_error=0.1))
    answer_adaptive(sitting, True, now=T0)
    shown = shown_item(sitting)
    taking.save_answer(sitting, shown.id, answer={"option": "nothing"}, version=1, now=T0)
    taking.sitting_for_token(sitting.access_token, now=T0 + timedelta(minutes=31))
    assert sitting.adaptive["stop_reason"] == "time" and len(sitting.adaptive["path"]) == 2
    later = T0 + timedelta(hours=1)
    resume(sitting, 10, now=later)
    assert sitting.adaptive["stop_reason"] is None
    # The question shown when the time ran out, answered again: its step is replaced, not added.
    answer_adaptive(sitting, True, version=2, now=later)
    assert [step["score"] for step in sitting.adaptive["path"]] == [1.0, 1.0]
    answer_adaptive(sitting, False, now=later)
    assert sitting.adaptive["stop_reason"] == "length" and sitting.finish_mode == FinishMode.NORMAL_SUBMISSION
    assert [step["score"] for step in sitting.adaptive["path"]] == [1.0, 1.0, 0.0]


def test_two_presses_at_once_serve_one_item(app, factory, admin, pool):
    sitting = _started(admin, adaptive_exam(factory, admin, pool))
    item = shown_item(sitting)
    answer = {"option": item.options[0]["id"]}
    taking.save_answer(sitting, item.id, answer=answer, version=1, now=T0)
    db.session.commit()
    together = threading.Barrier(2)

    def press() -> bool:
        with app.app_context():
            mine = taking.sitting_for_token(sitting.access_token, now=T0)
            together.wait()
            moved = taking.next_adaptive_item(mine, item.id, now=T0)
            db.session.commit()
            return moved

    with ThreadPoolExecutor(2) as threads:
        moved = sorted(future.result() for future in [threads.submit(press) for _ in range(2)])

    assert moved == [False, True]
    db.session.expire_all()
    assert len(_served(sitting)) == 2 and len(sitting.adaptive["path"]) == 1
