"""The exam page's save and move by its link (`taking.save_answer_by_link`, `taking.move_by_link`): on
PostgreSQL one statement each for a page that keeps its heartbeat, the full path otherwise. Twin sittings of
one exam go through the same day, one by the link, one by the full path (the sitting loaded, then
`save_answer` or `set_position`): every answer, refusal, position and second counted must be the same."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from tests.candidate.helpers import register, start
from webapp.assessments.services import SectionInput
from webapp.core import clock
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import Response, Sitting, SittingItem

def _item_at(sitting_id: int, position: int) -> int:
    return db.session.scalar(select(SittingItem.id).where(SittingItem.sitting_id == sitting_id,
                                                          SittingItem.position == position))


def _state(sitting_id: int) -> tuple:
    """Everything a save or a move may change, by position (twins' items have ids of their own)."""
    db.session.expire_all()
    sitting = db.session.get(Sitting, sitting_id)
    responses = db.session.execute(
        select(SittingItem.position, Response.answer, Response.version, Response.flagged, Response.seconds_spent)
        .join(Response, Response.item_id == SittingItem.id).where(SittingItem.sitting_id == sitting_id)
        .order_by(SittingItem.position)).all()
    return (sitting.status, sitting.current_item, sitting.current_section, sitting.item_entered_at,
            round(sitting.seconds_spent, 6), sitting.last_seen_at,
            [(position, answer, version, flagged, round(seconds, 6)) for position, answer, version, flagged, seconds
             in responses])


def _outcome(call) -> tuple:
    """What a request would answer: its result, or its refusal (and then nothing of it stays)."""
    try:
        result = call()
    except Exception as refusal:   # noqa: BLE001 - every refusal is compared, whatever its kind
        db.session.rollback()
        return type(refusal).__name__, str(refusal)
    db.session.commit()
    return "done", result


def _by_link(token: str, action: str, *arguments):
    if action == "move":
        return taking.move_by_link(token, *arguments)
    position, answer, version = arguments
    sitting_id = db.session.scalar(select(Sitting.id).where(Sitting.access_token == token))
    saved = taking.save_answer_by_link(token, _item_at(sitting_id, position) or 10**6, answer=answer,
                                       version=version, flagged=version % 2 == 0)
    return saved.result, saved.remaining, saved.section


def _full(token: str, action: str, *arguments):
    sitting = taking.sitting_for_token(token)
    if action == "move":
        taking.set_position(sitting, *arguments)
        return sitting.current_item
    position, answer, version = arguments
    result = taking.save_answer(sitting, _item_at(sitting.id, position) or 10**6, answer=answer, version=version,
                                flagged=version % 2 == 0)
    return result, taking.remaining_seconds(sitting), sitting.current_section


def _same_day(client, twins, day) -> None:
    """Each step at its second after the start, to both twins, answered and ending alike."""
    started = clock.utcnow()
    for seconds, action, *arguments in day:
        clock.freeze(started + timedelta(seconds=seconds))
        if action == "clock":
            for twin in twins:
                assert client.get(f"/s/{twin.access_token}/clock").status_code == 200
            continue
        outcomes = [_outcome(lambda: path(twin.access_token, action, *arguments))
                    for path, twin in zip((_by_link, _full), twins)]
        assert outcomes[0] == outcomes[1], (seconds, action, arguments)
        assert _state(twins[0].id)[:-1] == _state(twins[1].id)[:-1], (seconds, action, arguments)
    assert _state(twins[0].id) == _state(twins[1].id)


def _twins(admin, exam) -> list[Sitting]:
    clock.freeze(clock.utcnow().replace(microsecond=0))
    return [start(register(admin, exam, f"{name}@example.com")) for name in ("ann", "bob")]


def test_saves_and_moves_by_the_link_do_what_the_full_path_does(client, admin, exam):
    day = [(5, "clock"), (20, "move", 3), (25, "save", 3, {"option": "a"}, 1),
           (26, "save", 3, {"option": "b"}, 1),                       # an older version: kept as it was
           (30, "save", 3, {"option": "b"}, 2), (31, "save", 99, {"option": "a"}, 3),   # no such question
           (40, "move", 3),                                           # where the candidate is already
           (45, "move", 42), (46, "move", -1), (47, "move", "x"),     # not a question shown
           (50, "save", 4, {"text": {"nested": 1}}, 1),               # not an answer
           (200, "move", 5),                                          # after a silence of 2.5 minutes
           (230, "clock"), (235, "move", 1), (240, "save", 1, None, 4), (250, "move", 0),
           (400, "save", 2, {"option": "a"}, 6),                      # a silence again, settled by a save
           (410, "move", 2), (420, "save", 2, {"option": "b"}, 7),    # no heartbeat since, but the arrival
           (430, "clock"),
           (30 * 60 + 1, "save", 0, {"option": "a"}, 5),              # past the deadline: finished
           (30 * 60 + 2, "move", 2)]
    _same_day(client, _twins(admin, exam), day)


@pytest.mark.parametrize("first_after_the_section", [("save", 0, {"option": "b"}, 2), ("move", 0)])
def test_timed_sections_refuse_and_roll_over_alike(client, admin, make_exam, paper, first_after_the_section):
    """The first request after the first section's time is up rolls it over, whether a save or a move."""
    exam = make_exam(assessment={"name": "Two timed parts", "duration": None, "sections": [
        SectionInput(name="Part one", duration=5, question_ids=paper[:2]),
        SectionInput(name="Part two", duration=5, question_ids=paper[2:])]})
    day = [(10, "move", 3), (15, "save", 3, {"option": "a"}, 1),     # the next section: not yet
           (20, "move", 1), (30, "save", 0, {"option": "a"}, 1),
           *[(seconds, "clock") for seconds in (60, 120, 180, 240, 290)],   # no silence to settle
           (5 * 60 + 1, *first_after_the_section),                  # the first section's time is up
           (5 * 60 + 5, "save", 0, {"option": "a"}, 3),              # closed for good
           (5 * 60 + 9, "move", 4), (5 * 60 + 12, "save", 4, {"option": "a"}, 1)]
    _same_day(client, _twins(admin, exam), day)


def test_of_two_requests_counting_the_same_stretch_one_counts_it(app, running_twin):
    """A move waiting for another request's write to the sitting (a second tab moving, a finish) finds, once it
    gets the row, that the other counted the stretch: it moves without counting it again. On PostgreSQL the one
    statement finds the arrival changed and leaves it to the full path; on SQLite the full path's own
    compare-and-set does it."""
    token, sitting_id = running_twin
    before = _state(sitting_id)
    clock.freeze(clock.utcnow() + timedelta(seconds=30))
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    moved = []
    with other.connect() as first:
        # The other request counted the 30 seconds and is committing: the count starts again now.
        first.execute(text("UPDATE sittings SET item_entered_at = :now WHERE id = :id"),
                      {"now": clock.utcnow(), "id": sitting_id})
        waiting = threading.Thread(target=lambda: moved.append(_move(app, token)))
        waiting.start()
        waiting.join(1)
        assert waiting.is_alive()   # held by the other request's write
        first.commit()
    waiting.join(15)
    other.dispose()
    assert moved == [2]
    state = _state(sitting_id)
    # Moved, and the 30 seconds counted a second time neither in the sitting's sum nor in the question left.
    assert (state[1], state[4], state[-1]) == (2, before[4], before[-1])


def _move(app, token: str) -> int:
    with app.app_context():
        position = taking.move_by_link(token, 2)
        db.session.commit()
        return position


@pytest.fixture
def running_twin(admin, exam):
    sitting = _twins(admin, exam)[0]
    return sitting.access_token, sitting.id
