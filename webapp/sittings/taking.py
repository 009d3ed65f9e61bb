"""Taking the test: the check, admission, start (freezing the paper and fixing the deadline on the
server), saving answers, timed sections, finishing and expiry. Every state change goes through
`state_machine.transition`; every function takes `now` so that tests control the clock."""
from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import DateTime, bindparam, cast, func, insert, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from webapp.accounts.models import User
from webapp.assessments.services import draw_paper
from webapp.bank.models import QuestionType
from webapp.bank.services import answer_file_kinds
from webapp.core import events, storage
from webapp.core.clock import utcnow
from webapp.core.database import MAX_ID, UTCDateTime, on_postgresql, parse_id
from webapp.core.errors import Conflict, IllegalTransition, NotFound, ValidationError
from webapp.core.extensions import db
from webapp.exams.models import Exam, ExamStatus
from webapp.exams.services import ip_allowed, window_state
from webapp.sittings import adaptive, callbacks
from webapp.sittings.models import AnswerFile, FinishMode, ProctorEvent, Response, Sitting, SittingItem, SittingStatus
from webapp.sittings.scoring import is_answered, result_summary, score_item
from webapp.sittings.state_machine import transition

S = SittingStatus
MAX_ANSWER_BYTES = 20_000
OVERDUE_BATCH = 100


class TimeIsUp(Conflict):
    """A save or a move after the deadline: refused, and nothing changes."""


def record_event(sitting: Sitting, kind: str, actor: User | None = None, **details) -> None:
    db.session.add(ProctorEvent(sitting_id=sitting.id, kind=kind, details=details,
                                actor_id=actor.id if actor else None))


# The candidate's requests come by thousands a minute: their statements are built once, not on each request.
SITTING_BY_TOKEN = select(Sitting).where(Sitting.access_token == bindparam("token"))
# Start comes for a whole exam at once: the exam and its assessment (the duration) in the same statement.
SITTING_TO_START = SITTING_BY_TOKEN.options(joinedload(Sitting.exam).joinedload(Exam.assessment))
# A personal link's page shows the exam, its assessment, its institute and the candidate: one statement, not four.
SITTING_FOR_PAGE = SITTING_BY_TOKEN.options(
    joinedload(Sitting.exam).options(joinedload(Exam.assessment), joinedload(Exam.institute)),
    joinedload(Sitting.candidate))


def sitting_for_token(token: str, *, now: datetime | None = None, statement=SITTING_BY_TOKEN) -> Sitting:
    """The sitting behind a personal link, brought up to date (an overdue one is closed first)."""
    sitting = db.session.scalar(statement, {"token": token})
    if sitting is None:
        raise NotFound("Test link")
    if not expire_if_overdue(sitting, now=now) and sitting.status == S.EXAM_STARTED:
        # A page that comes back after a timed section ran out must find the next section running.
        _roll_sections(sitting, now or utcnow())
    return sitting


def sitting_for_page(token: str) -> Sitting:
    """The sitting behind a personal link with what its page shows."""
    return sitting_for_token(token, statement=SITTING_FOR_PAGE)


def sitting_to_start(token: str) -> Sitting:
    """The sitting behind a personal link with its exam and assessment, for Start."""
    return sitting_for_token(token, statement=SITTING_TO_START)


def access_problem(sitting: Sitting, ip_address: str, *, now: datetime | None = None) -> tuple[str, object] | None:
    """Why the candidate cannot go on now, or None: ("completed", None), ("inactive", None),
    ("ip_not_allowed", address), ("not_yet_open", window) or ("closed", None)."""
    if sitting.status == S.EXAM_FINISHED:
        return "completed", None
    # A started test runs to its deadline, even past the end of a daily slot.
    return exam_access_problem(sitting.exam, ip_address, now=now, window=sitting.status != S.EXAM_STARTED)


def exam_access_problem(exam, ip_address: str, *, now: datetime | None = None,
                        window: bool = True) -> tuple[str, object] | None:
    """Why nobody at this address can enter the exam now (the open link asks before anyone registers),
    or None: ("inactive", None), ("ip_not_allowed", address), ("not_yet_open", window) or ("closed", None)."""
    if exam.status != ExamStatus.ACTIVE:
        return "inactive", None
    if not ip_allowed(exam, ip_address):
        return "ip_not_allowed", ip_address
    if not window:
        return None
    state, next_window = window_state(exam, now)
    return None if state == "open" else (state, next_window)


# The check and admission ------------------------------------------------------------------------------

def start_check(sitting: Sitting, *, ip_address: str = "", now: datetime | None = None) -> None:
    """The candidate opened the link: `check_started` (again harmless)."""
    if sitting.status in (S.REGISTERED, S.MAIL_SENT):
        transition(sitting, S.CHECK_STARTED)
        sitting.ip_address = ip_address[:45]
        record_event(sitting, "check_started", ip=ip_address)


def check_requirements(sitting: Sitting) -> dict:
    """What the check page must collect for this exam."""
    exam = sitting.exam
    return {"camera": exam.image_proctoring, "reference_photo": exam.image_proctoring,
            "id_photo": exam.candidate_auth_proctored}


PHOTO_PROMPTS = {"reference_photo": _l("Please take a photo of yourself."),
                 "id_photo": _l("Please take a photo of your ID document.")}


def complete_check(sitting: Sitting, *, browser: dict, consent: bool = False, photos: dict[str, bytes] | None = None,
                   now: datetime | None = None) -> None:
    """Record the check (`check_completed`) with its photos ({kind: image bytes}). Every rule is
    applied and every photo checked before any is stored, so a refused check leaves no file behind;
    photos the exam does not ask for are not kept. Without admission the session then opens at once
    while the window is open."""
    if sitting.status != S.CHECK_STARTED:
        raise IllegalTransition(_("The check is not running for this test."))
    needs = check_requirements(sitting)
    if needs["camera"] and not consent:
        raise ValidationError(_("Please agree to the camera being used during the test."), field="consent")
    wanted = {kind: data for kind, data in (photos or {}).items() if needs.get(kind) and data}
    for kind, prompt in PHOTO_PROMPTS.items():
        if needs[kind] and kind not in wanted:
            raise ValidationError(str(prompt), field=kind)
    now = now or utcnow()
    keys = storage.store_images(sitting.institute_id, sitting.id, wanted)
    transition(sitting, S.CHECK_COMPLETED)
    sitting.check = {"browser": {key: str(value)[:200] for key, value in (browser or {}).items()},
                     "consent": bool(consent), "reference_photo": keys.get("reference_photo"),
                     "id_photo": keys.get("id_photo"), "completed_at": now.isoformat()}
    sitting.check_photos_at = now if keys else None
    record_event(sitting, "check_completed")
    open_session_if_ready(sitting, now=now)


def open_session_if_ready(sitting: Sitting, *, now: datetime | None = None) -> None:
    """`exam_session_opened` without a proctor when the exam needs no admission and is open now."""
    if (sitting.status == S.CHECK_COMPLETED and not sitting.exam.admission_required
            and window_state(sitting.exam, now)[0] == "open"):
        open_session(sitting)


def open_session(sitting: Sitting) -> None:
    """`exam_session_opened`, and the paper frozen at once: candidates reach the instructions page one by one,
    while many press Start together at an exam's opening, so Start only fixes the deadline (bench/README.md)."""
    transition(sitting, S.EXAM_SESSION_OPENED)
    freeze_paper(sitting)


# The paper is frozen when the session opens, the deadline fixed at Start --------------------------------

def _seed(sitting: Sitting) -> int:
    return int.from_bytes(hashlib.sha256(f"{sitting.id}:{sitting.access_token}".encode()).digest()[:8], "big")


def frozen_key(question) -> dict:
    """The key of a question as a sitting keeps it: what scoring compares the answers with."""
    if question.type.has_options:
        # Partial credit is named only when given, so that the keys frozen before it existed stay current.
        return {"correct": [option["id"] for option in question.options if option["correct"]],
                **({"partial_credit": True} if question.partial_credit else {})}
    if question.type in (QuestionType.MATCHING, QuestionType.ORDERING):
        return _parts_key(question)
    if question.type == QuestionType.FITB:
        # Partial credit only when given: a key frozen before it existed stays equal to its question's (rescoring).
        return {"blanks": [key.as_key() for key in question.answer_keys],
                **({"partial_credit": True} if question.partial_credit else {})}
    if question.type == QuestionType.NUMERIC:
        return question.numeric_key.as_key()
    if question.type == QuestionType.FILE_UPLOAD:
        return {"answer_file": dict(question.answer_file)}
    if question.type == QuestionType.SHORT_ANSWER:
        return next((key.as_key() for key in question.answer_keys), {"accepted": []})
    return {}


def _parts_key(question) -> dict:
    """MATCHING: each premise's target; ORDERING: the options in their order (the bank keeps them so)."""
    if question.type == QuestionType.MATCHING:
        key = {"pairs": {premise["id"]: premise["match"] for premise in question.options}}
    else:
        key = {"order": [option["id"] for option in question.options]}
    return {**key, "partial_credit": question.partial_credit}


def _shown_parts(question, options: list[dict], key: dict, rng: random.Random) -> tuple[list[dict], dict]:
    """MATCHING's targets and ORDERING's options as a sitting shows them: shuffled, under ids drawn for the
    sitting, since the bank's ids follow the key's order and would give it away. The key names the drawn ids.
    MATCHING's targets follow its premises among the options, marked "target" (SittingItem.targets)."""
    if question.type == QuestionType.ORDERING:
        renamed = dict(zip(key["order"], rng.sample([option["id"] for option in question.options], len(options))))
        options = [{"id": renamed[option["id"]], "html": option["html"]} for option in options]
        order = [renamed[option_id] for option_id in key["order"]]
        # Never shown in the right order, however the shuffle falls (two options: swapped).
        while [option["id"] for option in options] == order:
            rng.shuffle(options)
        return options, {**key, "order": order}
    target_ids = [target["id"] for target in question.targets]
    renamed = dict(zip(target_ids, rng.sample(target_ids, len(target_ids))))
    targets = [{"id": renamed[target["id"]], "html": target["html"], "target": True} for target in question.targets]
    rng.shuffle(targets)
    return options + targets, {**key, "pairs": {premise: renamed[target] for premise, target in key["pairs"].items()}}


def shown_blanks(question) -> list[dict]:
    """A fill-in text's blanks as the candidate's page shows them: each with its choices in the author's
    order (an inline list), or none (a box to type in)."""
    return [{"choices": list(blank.get("choices") or [])} for blank in question.blanks]


def overall_deadline(sitting: Sitting, started: datetime) -> datetime:
    """start + duration + extra time (a proctor's minutes and the accommodation's share), never past the
    end of the exam's current window."""
    deadline = started + timedelta(minutes=(sitting.exam.assessment.duration_minutes or 0) + sitting.extra_minutes
                                   + sitting.accommodation_minutes)
    __, window = window_state(sitting.exam, started)
    return min(deadline, window.end) if window else deadline


def freeze_paper(sitting: Sitting) -> None:
    """Draw and freeze the paper (seeded per sitting), with an empty response per item, and the sections
    whose deadlines Start and the moves between sections fix. Once only: a sitting whose session opened
    before papers were frozen there has it frozen by its Start. An adaptive placement freezes the paper as
    its pool and serves its first item (adaptive.py), in one untimed part."""
    if sitting.sections:
        return
    rng = random.Random(_seed(sitting))
    assessment = sitting.exam.assessment
    paper = draw_paper(assessment, rng)
    frozen = [(entry.question, index, _frozen_item(part.section, entry, rng))
              for index, part in enumerate(paper) for entry in part.items]
    if assessment.adaptive is not None:
        adaptive.freeze_pool(sitting, assessment.adaptive, [(question, row) for question, __, row in frozen])
        if not sitting.adaptive_pool:
            raise Conflict(_("This test has no questions; please tell the organiser."))
        sitting.sections = [{"name": assessment.name, "instructions": "", "duration": None, "deadline": None,
                             "closed": False, "first": 0}]
        return
    rows = [{**row, "sitting_id": sitting.id, "position": position, "section_index": index}
            for position, (__, index, row) in enumerate(frozen)]
    if not rows:
        raise Conflict(_("This test has no questions; please tell the organiser."))
    item_ids = db.session.scalars(insert(SittingItem).returning(SittingItem.id), rows).all()
    db.session.execute(insert(Response), [{"sitting_id": sitting.id, "item_id": item_id} for item_id in item_ids])
    first = {}
    for row in rows:
        first.setdefault(row["section_index"], row["position"])
    sitting.sections = [{"name": part.section.name, "instructions": part.section.instructions,
                         "duration": part.section.duration_minutes, "deadline": None, "closed": False,
                         "first": first.get(index, 0)} for index, part in enumerate(paper)]


def _frozen_item(section, entry, rng: random.Random) -> dict:
    """A drawn question as a sitting keeps it (without its place in the sitting): options shuffled where the
    section says so, parts renamed, the key frozen."""
    question = entry.question
    options = [{"id": option["id"], "html": option["html"]} for option in question.options]
    # True or false keep their order, as a reader expects it.
    if section.randomize_questions and question.type != QuestionType.TRUE_FALSE:
        rng.shuffle(options)
    key = frozen_key(question)
    if question.type in (QuestionType.MATCHING, QuestionType.ORDERING):
        options, key = _shown_parts(question, options, key, rng)
    if question.type == QuestionType.FITB:
        options = shown_blanks(question)
    return {"question_id": question.id, "question_type": question.type.value,
            "skill_name": question.skill.name, "difficulty": question.difficulty.value,
            "cefr_level": question.cefr_level.value if question.cefr_level else None,
            "stem": question.stem, "options": options, "key": key,
            "marks": entry.marks, "negative_marks": entry.negative_marks}


def start_exam(sitting: Sitting, *, now: datetime | None = None) -> None:
    """`exam_started`: the deadline fixed on the server, the timer runs from here."""
    now = now or utcnow()
    if sitting.status != S.EXAM_SESSION_OPENED:
        raise IllegalTransition(_("The test can start once the session is open."))
    # Nothing is written before the end: one flush of the sitting and its event, not one per lookup.
    with db.session.no_autoflush:
        freeze_paper(sitting)
        transition(sitting, S.EXAM_STARTED)
        sitting.started_at = now
        # The page that follows is open from here: the live monitor says "online" before its first heartbeat.
        sitting.last_seen_at = now
        sitting.deadline = overall_deadline(sitting, now)
        sitting.item_entered_at = now
        _enter_section(sitting, 0, now)
        record_event(sitting, "exam_started")
        callbacks.test_started(sitting)


def _enter_section(sitting: Sitting, index: int, now: datetime) -> None:
    """The section's clock starts; the candidate is at its first question."""
    sections = [dict(section) for section in sitting.sections]
    duration = sections[index]["duration"]
    if duration:
        duration += section_accommodation_minutes(sitting, duration)
        sections[index]["deadline"] = min(now + timedelta(minutes=duration), sitting.deadline).isoformat()
    sitting.sections = sections
    sitting.current_section = index
    # Papers frozen before sections knew their first position look it up.
    first = sections[index].get("first")
    sitting.current_item = first if first is not None else db.session.scalar(select(func.min(SittingItem.position)).where(
        SittingItem.sitting_id == sitting.id, SittingItem.section_index == index)) or 0


def section_accommodation_minutes(sitting: Sitting, duration: int) -> int:
    """What the sitting's extra time in percent adds to a timed section of `duration` minutes, rounded up."""
    return -(-duration * sitting.extra_time_percent // 100)


def section_deadline(sitting: Sitting, index: int | None = None) -> datetime | None:
    section = sitting.sections[sitting.current_section if index is None else index]
    return datetime.fromisoformat(section["deadline"]) if section.get("deadline") else None


def is_timed(sitting: Sitting) -> bool:
    return any(section.get("duration") for section in sitting.sections)


def next_section(sitting: Sitting, *, now: datetime | None = None) -> None:
    """Close the current timed section for good and enter the next one."""
    now = now or utcnow()
    _require_running(sitting, now)
    if sitting.current_section >= len(sitting.sections) - 1:
        raise Conflict(_("This is the last section; finish the test instead."))
    sections = [dict(section) for section in sitting.sections]
    sections[sitting.current_section]["closed"] = True
    sitting.sections = sections
    _count_time(sitting, now, then=now)
    _enter_section(sitting, sitting.current_section + 1, now)
    record_event(sitting, "section_entered", section=sitting.current_section)


def _roll_sections(sitting: Sitting, now: datetime) -> None:
    """Timed sections whose own deadline passed close on their own; the next one begins."""
    while is_timed(sitting) and (deadline := section_deadline(sitting)) and now >= deadline:
        if sitting.current_section >= len(sitting.sections) - 1:
            return
        sections = [dict(section) for section in sitting.sections]
        sections[sitting.current_section]["closed"] = True
        sitting.sections = sections
        # Rolled over later, when the page next asks: the time counts again from its next sign of life.
        _count_time(sitting, deadline, then=None)
        _enter_section(sitting, sitting.current_section + 1, deadline)


def remaining_seconds(sitting: Sitting, *, now: datetime | None = None) -> int:
    """Seconds left in the current part: the section when sections are timed, else the test."""
    now = now or utcnow()
    end = sitting.deadline
    if is_timed(sitting) and (deadline := section_deadline(sitting)):
        end = min(end, deadline)
    return max(0, int((end - now).total_seconds()))


def _require_running(sitting: Sitting, now: datetime) -> None:
    if expire_if_overdue(sitting, now=now) or sitting.status == S.EXAM_FINISHED:
        raise TimeIsUp(_("The time for this test is over; your saved answers have been submitted."))
    if sitting.status != S.EXAM_STARTED:
        raise IllegalTransition(_("The test has not started."))


# Answers ----------------------------------------------------------------------------------------------

# The answer shapes scoring reads. A save checks the shape without loading its item (one UPDATE stays
# the whole cost), so a wrong type's shape is stored and scores as unanswered; anything else could
# make scoring, and with it finishing and the worker's sweep, fail on that sitting for ever.
_ANSWER_VALUES = {"option": str, "text": str, "options": list, "blanks": list, "order": list, "pairs": dict}


def _well_formed(answer) -> bool:
    if not isinstance(answer, dict) or len(str(answer)) > MAX_ANSWER_BYTES:
        return False
    if "file" in answer:
        return set(answer) == {"file"} and _well_formed_file(answer["file"])
    for key, value in answer.items():
        kind = _ANSWER_VALUES.get(key)
        if kind is None or not isinstance(value, kind):
            return False
        if kind is list and not all(isinstance(entry, str) for entry in value):
            return False
        if kind is dict and not all(isinstance(name, str) and isinstance(entry, str) for name, entry in value.items()):
            return False
    return True


def _well_formed_file(file) -> bool:
    """A file answer as the upload returned it: {"id": int, "name": str, "size": int, "type": str}."""
    shape = {"id": int, "name": str, "size": int, "type": str}
    return (isinstance(file, dict) and set(file) == set(shape)
            and all(isinstance(file[name], kind) and not isinstance(file[name], bool) for name, kind in shape.items()))


@dataclass(frozen=True)
class SaveResult:
    saved: bool          # False: an older save than the one stored; nothing changed
    version: int


def _save(in_reach: list, sitting=bindparam("the_sitting")):
    """The versioned save: the response of an item within the candidate's reach, if the version is newer.
    A save (possible again after a resume) makes a grader's earlier mark stale. (An UPDATE's parameters
    may not bear its columns' names.)"""
    return (update(Response)
            .where(Response.sitting_id == sitting, Response.item_id == bindparam("the_item"),
                   Response.version < bindparam("new_version"),
                   Response.item_id.in_(select(SittingItem.id).where(
                       SittingItem.sitting_id == sitting, SittingItem.id == bindparam("the_item"), *in_reach)))
            .values(answer=bindparam("new_answer"), flagged=bindparam("new_flagged"),
                    version=bindparam("new_version"), saved_at=bindparam("new_saved_at"), marked_at=None)
            # No search of the session for the rows it changed (a RETURNING or a SELECT): _expire_saved does it.
            .execution_options(synchronize_session=False))


SAVE = _save([])
SAVE_IN_SECTION = _save([SittingItem.section_index == bindparam("the_section")])   # sections timed
SAVE_SHOWN = _save([SittingItem.position == bindparam("the_position")])   # adaptive: the item shown alone
STORED_VERSION = (select(Response.version, SittingItem.section_index)
                  .join(SittingItem, SittingItem.id == Response.item_id)
                  .where(Response.sitting_id == bindparam("the_sitting"), Response.item_id == bindparam("the_item")))


# The exam page's hot path ------------------------------------------------------------------------------
# A page that keeps its heartbeat asks for the clock, saves and moves by thousands a minute. For a running
# sitting past no deadline whose page gave a sign of life within SILENT_CAP (a heartbeat, or the arrival at
# the current question: no silence to settle, so note_presence has nothing to do), the clock is one
# statement on both databases; on PostgreSQL a save and a move are one statement each too,
# their sitting found by the link in the same statement (a data-modifying WITH, which SQLite lacks). Whatever
# such a statement does not find takes the full path, which loads the sitting and brings it up to date.
KEEPING_UP = [Sitting.access_token == bindparam("token"), Sitting.status == S.EXAM_STARTED,
              Sitting.deadline > bindparam("now"), Sitting.item_entered_at.is_not(None),
              or_(Sitting.last_seen_at >= bindparam("silent_since"),
                  Sitting.item_entered_at >= bindparam("silent_since"))]


def _keeping_up(token: str, now: datetime) -> dict:
    return {"token": token, "now": now, "silent_since": now - SILENT_CAP}


def _run_hot(statement, parameters: dict):
    """A hot statement on the session's connection, in its transaction, without the ORM's handling of the
    statement (two thirds of an UPDATE's cost in Python): none of them loads an object, and none has an object
    of the session to bring up to date."""
    return db.session.connection().execute(statement, parameters)


def _timed(sections):
    """SQL: the sitting's sections are timed (is_timed)."""
    return func.jsonb_path_exists(cast(sections, JSONB), literal_column("'$[*] ? (@.duration > 0)'::jsonpath"))


def _section_running(sections, current_section):
    """SQL: the current section has no deadline of its own, or it has not passed (_roll_sections has nothing to do)."""
    deadline = cast(cast(sections, JSONB).op("->")(current_section).op("->>")("deadline"), DateTime(timezone=True))
    return or_(deadline.is_(None), deadline > bindparam("now"))


# Not an adaptive test (only the item shown takes an answer, and the server moves); the sections as they stand.
LIVE_SITTING = (select(Sitting.id, Sitting.deadline, Sitting.sections, Sitting.current_section)
                .where(*KEEPING_UP, Sitting.adaptive.is_(None),
                       _section_running(Sitting.sections, Sitting.current_section))
                .cte("live"))
QUICK_SAVED = (_save([or_(~_timed(LIVE_SITTING.c.sections),
                          SittingItem.section_index == LIVE_SITTING.c.current_section)], sitting=LIVE_SITTING.c.id)
               .returning(Response.version).cte("saved"))
# The running sitting (no row: the full path), and whether the save changed its response.
QUICK_SAVE = select(LIVE_SITTING, select(func.count()).select_from(QUICK_SAVED).scalar_subquery().label("saved"))


def _expire_saved(sitting_id: int, item_id: int) -> None:
    """A response this session loaded before the save (a script, finishing after saving) reads it again."""
    for record in list(db.session.identity_map.values()):
        if isinstance(record, Response) and record.sitting_id == sitting_id and record.item_id == item_id:
            db.session.expire(record)


def _checked_save(item_id, answer, version) -> tuple[int, int]:
    """The item id and version of a save from outside, its answer's shape checked, or a ValidationError."""
    if answer is not None and not _well_formed(answer):
        raise ValidationError(_("This answer cannot be stored (too long or malformed)."), field="answer")
    try:
        item_id, version = int(item_id), int(version)
    except (TypeError, ValueError):
        raise ValidationError(_("Invalid answer."), field="item") from None
    item_id = parse_id(item_id, "Question")
    if not 0 < version <= MAX_ID:
        # Versions are the page's own counters; one beyond the column's range is not one of them.
        raise ValidationError(_("Invalid answer version."), field="version")
    return item_id, version


def save_answer(sitting: Sitting, item_id, *, answer: dict | None, version: int, flagged: bool = False,
                now: datetime | None = None) -> SaveResult:
    """Store an answer if `version` is newer than the stored one: one conditional UPDATE, so repeated
    and reordered saves are harmless. Refused after the deadline and outside the current timed section; in an
    adaptive test only the item shown takes an answer (no going back)."""
    now = now or utcnow()
    _require_running(sitting, now)
    _roll_sections(sitting, now)
    note_presence(sitting, now)
    item_id, version = _checked_save(item_id, answer, version)
    timed = is_timed(sitting)
    uploaded = _uploaded_file(sitting, item_id, answer)
    if uploaded is not None:
        answer = uploaded.as_answer()   # what the server stored, whatever the page said of it
    statement = SAVE_SHOWN if sitting.adaptive is not None else SAVE_IN_SECTION if timed else SAVE
    result = db.session.execute(statement, {
        "the_sitting": sitting.id, "the_item": item_id, "the_section": sitting.current_section,
        "the_position": sitting.current_item,
        "new_answer": answer, "new_flagged": bool(flagged), "new_version": version, "new_saved_at": now})
    if result.rowcount == 1:
        _expire_saved(sitting.id, item_id)
        if uploaded is not None:
            _drop_other_files(sitting, item_id, uploaded)
        return SaveResult(True, version)
    return _not_saved(sitting, item_id)


def _not_saved(sitting, item_id: int) -> SaveResult:
    """Why a save changed nothing: an older version than the stored one (the stored one is said), an item
    of a closed timed section, or no such item of the sitting."""
    stored = db.session.execute(STORED_VERSION, {"the_sitting": sitting.id, "the_item": item_id}).first()
    if stored is None:
        raise NotFound("Question")
    if is_timed(sitting) and stored.section_index != sitting.current_section:
        raise TimeIsUp(_("This section is closed; its answers were kept as they were."))
    return SaveResult(False, stored.version)


class SavedByLink(NamedTuple):
    """The exam page's save answered: the save, and the clock as it stands after it."""
    result: SaveResult
    remaining: int
    section: int


def save_answer_by_link(token: str, item_id, *, answer: dict | None, version, flagged: bool = False,
                        now: datetime | None = None) -> SavedByLink:
    """The exam page's save: on PostgreSQL, for a page that keeps its heartbeat, one statement finds the running
    sitting by its link and saves (QUICK_SAVE, with the full path's checks); otherwise the full path."""
    now = now or utcnow()
    item_id, version = _checked_save(item_id, answer, version)
    if on_postgresql() and not (answer and "file" in answer):
        live = _run_hot(QUICK_SAVE, {
            **_keeping_up(token, now), "the_item": item_id,
            "new_answer": answer, "new_flagged": bool(flagged), "new_version": version, "new_saved_at": now}).first()
        if live is not None:
            if live.saved:
                _expire_saved(live.id, item_id)
            result = SaveResult(True, version) if live.saved else _not_saved(live, item_id)
            return SavedByLink(result, remaining_seconds(live, now=now), live.current_section)
    sitting = sitting_for_token(token, now=now)
    result = save_answer(sitting, item_id, answer=answer, version=version, flagged=flagged, now=now)
    return SavedByLink(result, remaining_seconds(sitting, now=now), sitting.current_section)


# File answers ------------------------------------------------------------------------------------------------
# A file-upload item's file is sent first (upload_answer_file: checked and stored, one AnswerFile row), then
# its answer, {"file": {...}}, is saved with the versioned save like any other. Only that save makes it the
# answer, and then the item's earlier files go.
MEGABYTE = 1024 * 1024
MAX_FILE_NAME = 200


def _uploaded_file(sitting: Sitting, item_id: int, answer: dict | None) -> AnswerFile | None:
    """The stored file a file answer names: it must be one sent for this item of this sitting."""
    if not answer or "file" not in answer:
        return None
    uploaded = db.session.scalar(select(AnswerFile).where(
        AnswerFile.id == parse_id(answer["file"]["id"], "File"), AnswerFile.sitting_id == sitting.id,
        AnswerFile.item_id == item_id))
    if uploaded is None:
        raise ValidationError(_("This file was not sent for this question; please choose it again."), field="answer")
    return uploaded


def _drop_other_files(sitting: Sitting, item_id: int, kept: AnswerFile) -> None:
    others = db.session.scalars(select(AnswerFile).where(
        AnswerFile.sitting_id == sitting.id, AnswerFile.item_id == item_id, AnswerFile.id != kept.id)).all()
    for other in others:
        storage.remove_answer_file(other.storage_key)
        db.session.delete(other)


def _file_name(name: str, extension: str) -> str:
    """The name shown to staff: the device's name without folders or control characters, or a plain one."""
    name = "".join(char for char in str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
                   if char.isprintable()).strip()
    return name[-MAX_FILE_NAME:] or f"{_('answer')}.{extension}"


def upload_answer_file(sitting: Sitting, item_id, filename: str, data: bytes, *,
                       now: datetime | None = None) -> AnswerFile:
    """Check and store a file sent for a file-upload item (its kinds and size limit are the item's); the
    page then saves `as_answer()` as the item's answer. Refused after the deadline and outside the current
    timed section, as a save is."""
    now = now or utcnow()
    _require_running(sitting, now)
    _roll_sections(sitting, now)
    note_presence(sitting, now)
    in_reach = [SittingItem.sitting_id == sitting.id, SittingItem.id == parse_id(item_id, "Question"),
                SittingItem.question_type == QuestionType.FILE_UPLOAD.value]
    if is_timed(sitting):
        in_reach.append(SittingItem.section_index == sitting.current_section)
    item = db.session.scalar(select(SittingItem).where(*in_reach))
    if item is None:
        raise NotFound("Question")
    rules = item.key.get("answer_file") or {}
    max_mb = rules.get("max_mb") or 0
    if not data:
        raise ValidationError(_("The file is empty."), field="file")
    if len(data) > max_mb * MEGABYTE:
        raise ValidationError(_("The file is larger than %(max)s MB.", max=max_mb), field="file")
    extension = storage.answer_file_format(data)
    if extension is None or storage.ANSWER_FILE_KINDS[extension] not in (rules.get("kinds") or []):
        raise ValidationError(_("This kind of file cannot be sent here: send one of %(kinds)s.",
                                kinds=answer_file_kinds(rules)),
                              field="file")
    uploaded = AnswerFile(institute_id=sitting.institute_id, sitting_id=sitting.id, item_id=item.id,
                          storage_key=storage.store_answer_file(sitting.institute_id, sitting.id, extension, data),
                          name=_file_name(filename, extension), size=len(data),
                          mimetype=storage.ANSWER_FILE_MIMETYPES[extension], created_at=now)
    db.session.add(uploaded)
    db.session.flush()
    return uploaded


ITEM_SHOWN = select(SittingItem.id).where(SittingItem.sitting_id == bindparam("sitting_id"),
                                          SittingItem.position == bindparam("position"))
ITEM_SHOWN_IN_SECTION = ITEM_SHOWN.where(SittingItem.section_index == bindparam("section_index"))


def _position(item_position) -> int:
    try:
        item_position = int(item_position)
    except (TypeError, ValueError):
        raise ValidationError(_("Invalid position."), field="position") from None
    if not 0 <= item_position <= MAX_ID:
        raise ValidationError(_("Invalid position."), field="position")
    return item_position


def set_position(sitting: Sitting, item_position, *, now: datetime | None = None) -> None:
    """The candidate moved to another question: the time on the one they leave is counted, and reopening
    the link returns to the new one. Only a question the exam page shows now is a position."""
    item_position = _position(item_position)
    if sitting.status != S.EXAM_STARTED:
        return
    now = now or utcnow()
    if item_position == sitting.current_item:
        note_presence(sitting, now)
        return
    _count_time(sitting, now, then=now, move_to=item_position)


def _seconds_since(entered):
    """SQL: the seconds from `entered` to the request, for a page that kept its heartbeat all along (so
    _present_seconds has no silence to cap)."""
    return func.greatest(0.0, func.extract("epoch", bindparam("now", type_=UTCDateTime) - entered))


# The sitting as the statement found it: where the candidate was, and since when (every part of a WITH reads
# the rows as they were when the statement began, whatever another part of it changes).
_BEFORE = aliased(Sitting, name="before")
QUICK_MOVED = (
    update(Sitting)
    .where(*KEEPING_UP, Sitting.adaptive.is_(None), _section_running(Sitting.sections, Sitting.current_section),
           # Compare and set: of two requests counting the same stretch (two tabs), one adds it; the other, finding
           # the count moved on, takes the full path.
           Sitting.item_entered_at == select(_BEFORE.item_entered_at)
           .where(_BEFORE.access_token == bindparam("token")).scalar_subquery(),
           # Only to another question the page shows (in the current section when sections are timed); staying
           # where one is changes nothing, as set_position has it.
           Sitting.current_item != bindparam("position"),
           select(SittingItem.id).where(
               SittingItem.sitting_id == Sitting.id, SittingItem.position == bindparam("position"),
               or_(~_timed(Sitting.sections), SittingItem.section_index == Sitting.current_section)).exists())
    .values(current_item=bindparam("position"), item_entered_at=bindparam("now"),
            seconds_spent=Sitting.seconds_spent + _seconds_since(Sitting.item_entered_at))
    .returning(Sitting.id).cte("moved"))
# The question left gets the same seconds the sitting's sum got.
QUICK_SPENT = (
    update(Response)
    .where(_BEFORE.id == QUICK_MOVED.c.id, SittingItem.sitting_id == _BEFORE.id,
           SittingItem.position == _BEFORE.current_item, Response.sitting_id == _BEFORE.id,
           Response.item_id == SittingItem.id)
    .values(seconds_spent=Response.seconds_spent + _seconds_since(_BEFORE.item_entered_at))
    .cte("spent"))
QUICK_MOVE = select(QUICK_MOVED.c.id).add_cte(QUICK_SPENT)


def move_by_link(token: str, item_position, *, now: datetime | None = None) -> int:
    """The exam page's move (set_position): on PostgreSQL, for a page that keeps its heartbeat, one statement
    finds the running sitting by its link, moves and counts the time (QUICK_MOVE); otherwise the full path.
    Returns where the candidate is."""
    item_position = _position(item_position)
    now = now or utcnow()
    if on_postgresql() and _run_hot(QUICK_MOVE, {**_keeping_up(token, now), "position": item_position}).first():
        return item_position
    sitting = sitting_for_token(token, now=now)
    set_position(sitting, item_position, now=now)
    return sitting.current_item


def _shown(sitting: Sitting, item_position: int):
    """The condition that the exam page shows the question at `item_position` now (in the current section
    when sections are timed)."""
    shown = ITEM_SHOWN_IN_SECTION if is_timed(sitting) else ITEM_SHOWN
    return shown.params(sitting_id=sitting.id, position=item_position,
                        section_index=sitting.current_section).exists()


# Time spent ---------------------------------------------------------------------------------------------
# Measured on the server from what the exam page reports, never with the browser's clock. Time on a
# question runs from the candidate arriving at it (the start, a move, a section entered, the first sign of
# life after a resume) to leaving it (a move, the next section, the finish, a termination, the expiry).
# The page asks for the clock every 15 seconds (the heartbeat, `last_seen_at`; a hidden tab still at least
# once a minute). A page silent for longer was closed or offline: the candidate was not there, so of any
# silence only SILENT_CAP counts, and after it the count starts again at the page's next sign of life.
# Between a finish and a resume no time runs. A section's time is the sum of its questions' (it stays
# right across timed sections and resumes); the test's time is the sum of them all.
SILENT_CAP = timedelta(seconds=60)
HEARTBEAT_EVERY = timedelta(seconds=15)          # the page's clock poll (CLOCK_POLL_SECONDS, clock.js)
HIDDEN_HEARTBEAT_EVERY = timedelta(seconds=60)   # a hidden tab's, which browsers throttle to once a minute
# The live monitor says "offline" once a page missed a hidden tab's heartbeat and one more poll's worth of
# time (a slow answer, a short network stall): before that, silence is what an open page can show.
ONLINE_FOR = HIDDEN_HEARTBEAT_EVERY + HEARTBEAT_EVERY


def _last_sign_of_life(sitting: Sitting, at: datetime) -> datetime:
    """The last heartbeat since the candidate arrived at the current question (or the arrival), not after `at`."""
    entered = sitting.item_entered_at
    return min(max(sitting.last_seen_at or entered, entered), at)


def _present_seconds(sitting: Sitting, at: datetime) -> float:
    """Seconds on the current question up to `at`, of which the silence since the last heartbeat counts
    SILENT_CAP at most (note_presence settles any earlier silence, so there is none before it)."""
    if sitting.item_entered_at is None or at <= sitting.item_entered_at:
        return 0.0
    seen = _last_sign_of_life(sitting, at)
    return (seen - sitting.item_entered_at).total_seconds() + min(at - seen, SILENT_CAP).total_seconds()


def _count_time(sitting: Sitting, at: datetime, *, then: datetime | None, move_to: int | None = None) -> None:
    """Add the time on the current question up to `at` to its response and to the sitting's sum; the count
    goes on from `then` (None: it waits for the candidate's next sign of life), on the question at position
    `move_to` when the candidate moves (set in the same statement)."""
    entered, left = sitting.item_entered_at, sitting.current_item
    seconds = _present_seconds(sitting, at)
    values = {"item_entered_at": then, "seconds_spent": Sitting.seconds_spent + seconds}
    conditions = [Sitting.id == sitting.id, Sitting.item_entered_at == entered]
    if move_to is not None:
        values["current_item"] = move_to
        # Only to a question the page shows: checked in the same statement, which the move needs anyway.
        conditions.append(_shown(sitting, move_to))
    # Compare and set: of two requests counting the same stretch (a move and a finish at once), one adds it.
    total = db.session.execute(
        update(Sitting).where(*conditions)
        .values(**values).returning(Sitting.seconds_spent).execution_options(synchronize_session=False)).scalar()
    if move_to is not None and total is None and not db.session.scalar(select(_shown(sitting, move_to))):
        raise ValidationError(_("Invalid position."), field="position")
    set_committed_value(sitting, "item_entered_at", then)
    if move_to is not None:
        if total is None:
            sitting.current_item = move_to   # the other request counted the stretch; the move is still this one's
        else:
            set_committed_value(sitting, "current_item", move_to)
    if total is None or not seconds:
        return
    set_committed_value(sitting, "seconds_spent", total)
    db.session.execute(
        update(Response).where(Response.sitting_id == sitting.id, Response.item_id == select(SittingItem.id).where(
            SittingItem.sitting_id == sitting.id, SittingItem.position == left).scalar_subquery())
        .values(seconds_spent=Response.seconds_spent + seconds).execution_options(synchronize_session=False))


def note_presence(sitting: Sitting, now: datetime) -> None:
    """A sign of life from the exam page (shown, a heartbeat, a save, a move): after an absence (a resume,
    a rolled-over section) the count starts again, and a silence longer than SILENT_CAP is settled. Free
    (no statement) while the page keeps its heartbeat."""
    if sitting.status != S.EXAM_STARTED:
        return
    if sitting.item_entered_at is None or now - _last_sign_of_life(sitting, now) > SILENT_CAP:
        _count_time(sitting, now, then=now)


def seconds_per_item(sitting: Sitting, *, now: datetime | None = None) -> dict[int, int]:
    """Whole seconds the candidate spent on each question of the sitting, by item id (a running sitting's
    current question with its count so far)."""
    items, responses = items_and_responses(sitting)
    running = _present_seconds(sitting, now or utcnow()) if sitting.status == S.EXAM_STARTED else 0.0
    return {item.id: round(responses[item.id].seconds_spent + (running if item.position == sitting.current_item else 0))
            for item in items}


# The adaptive test's next item --------------------------------------------------------------------------

ITEM_AT = select(SittingItem).where(SittingItem.sitting_id == bindparam("sitting_id"),
                                    SittingItem.position == bindparam("position"))
CLAIM_SHOWN = (update(Sitting)
               .where(Sitting.id == bindparam("sitting_id"), Sitting.current_item == bindparam("position"))
               .values(current_item=Sitting.current_item).execution_options(synchronize_session=False))
RESPONSE_TO = select(Response).where(Response.sitting_id == bindparam("sitting_id"),
                                     Response.item_id == bindparam("item_id"))


def next_adaptive_item(sitting: Sitting, item_id, *, now: datetime | None = None) -> bool:
    """The candidate is done with the item shown (its answer saved first, by the versioned save): it is scored,
    the estimate moves, and the next item is served, or the test finishes by its stopping rule. Only the item
    shown moves on, so the same request sent twice (a lost answer, an old tab) serves one item, not two.
    Returns whether it moved on."""
    now = now or utcnow()
    _require_running(sitting, now)
    if sitting.adaptive is None:
        raise Conflict(_("This test is not adaptive."))
    item_id = parse_id(item_id, "Question")
    shown = db.session.scalar(ITEM_AT, {"sitting_id": sitting.id, "position": sitting.current_item})
    if shown is None or shown.id != item_id:
        return False
    # Two presses at once (a double click, a resent form) read the same item shown: the first claims it (the
    # row locked till it commits); the second waits, then finds the sitting moved on and changes nothing.
    if db.session.execute(CLAIM_SHOWN, {"sitting_id": sitting.id, "position": shown.position}).rowcount != 1:
        return False
    reason = _score_adaptive(sitting, shown)
    position = None if reason else adaptive.serve_next(sitting)
    if position is None:
        _stop_adaptive(sitting, reason or "pool")
        finish(sitting, now=now)
    else:
        _count_time(sitting, now, then=now, move_to=position)
    return True


def _score_adaptive(sitting: Sitting, item: SittingItem) -> str | None:
    """The answer to a served item counts in the estimate as its share of the item's marks (0 to 1)."""
    response = db.session.scalar(RESPONSE_TO, {"sitting_id": sitting.id, "item_id": item.id})
    score = score_item(item.question_type, item.key, 1.0, 0.0, response.answer)
    return adaptive.record_answer(sitting, item.position, max(score.awarded or 0.0, 0.0))


def _stop_adaptive(sitting: Sitting, reason: str) -> None:
    """The test stops: an answer saved to the item shown (not yet moved on from) counts in the estimate."""
    shown = db.session.scalar(ITEM_AT, {"sitting_id": sitting.id, "position": sitting.current_item})
    answered = {step["position"] for step in sitting.adaptive["path"]}
    if shown is not None and shown.position not in answered:
        response = db.session.scalar(RESPONSE_TO, {"sitting_id": sitting.id, "item_id": shown.id})
        if is_answered(shown.question_type, response.answer):
            _score_adaptive(sitting, shown)
    adaptive.stop(sitting, reason)


# Finishing --------------------------------------------------------------------------------------------

def finish(sitting: Sitting, mode: FinishMode = FinishMode.NORMAL_SUBMISSION, *, now: datetime | None = None,
           actor: User | None = None) -> None:
    """`exam_finished` with its finish mode; every machine-scorable answer is scored at once."""
    now = now or utcnow()
    if sitting.status != S.EXAM_STARTED:
        raise IllegalTransition(_("Only a running test can be finished."))
    transition(sitting, S.EXAM_FINISHED)
    if sitting.adaptive is not None and not sitting.adaptive["stop_reason"]:
        _stop_adaptive(sitting, adaptive.stop_for_finish(mode))
    sitting.finish_mode = mode
    sitting.finished_at = min(now, sitting.deadline) if mode == FinishMode.EXPIRED else now
    _count_time(sitting, sitting.finished_at, then=None)
    sitting.report_key = sitting.report_key or secrets.token_urlsafe(24)
    callbacks.test_finished(sitting)   # before scoring, which may queue the graded callback
    score_sitting(sitting, now=now)
    record_event(sitting, "exam_finished", actor=actor, finish_mode=mode.value)


def expire_if_overdue(sitting: Sitting, *, now: datetime | None = None) -> bool:
    """Close a running sitting whose deadline has passed, as `Expired`. Returns whether it did."""
    now = now or utcnow()
    if sitting.status == S.EXAM_STARTED and sitting.deadline and now >= sitting.deadline:
        finish(sitting, FinishMode.EXPIRED, now=now)
        return True
    return False


def close_overdue_sittings(*, now: datetime | None = None, limit: int = OVERDUE_BATCH) -> int:
    """The worker's sweep: sittings whose time ran out while the browser was gone end `Expired`."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Sitting).where(Sitting.status == S.EXAM_STARTED, Sitting.deadline <= now)
        .order_by(Sitting.deadline).limit(limit).with_for_update(skip_locked=True)).all()
    for sitting in overdue:
        finish(sitting, FinishMode.EXPIRED, now=now)
    return len(overdue)


def items_and_responses(sitting: Sitting) -> tuple[list[SittingItem], dict[int, Response]]:
    items = db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                               .order_by(SittingItem.position)).all()
    responses = {response.item_id: response for response in
                 db.session.scalars(select(Response).where(Response.sitting_id == sitting.id))}
    return items, responses


class ExamPage(NamedTuple):
    """What the exam page shows of a started sitting."""

    items: list[SittingItem]         # the questions shown: a timed section's alone, else the whole paper
    total: int                       # questions in the whole paper
    responses: dict[int, Response]
    position: int | None             # the question the candidate was last at, if it is shown
    timed: bool
    remaining: int                   # seconds left in the current part
    last_section: bool


def exam_page(sitting: Sitting, *, now: datetime | None = None) -> ExamPage:
    """What the exam page shows; the page shown is a sign of life (the count starts again after a resume)."""
    now = now or utcnow()
    note_presence(sitting, now)
    items, responses = items_and_responses(sitting)
    timed = is_timed(sitting)
    # A timed section is shown alone: the closed ones cannot be re-entered, the next ones wait. An adaptive
    # test shows the item served last alone: no going back.
    if sitting.adaptive is not None:
        shown = [item for item in items if item.position == sitting.current_item]
    else:
        shown = [item for item in items if not timed or item.section_index == sitting.current_section]
    positions = [item.position for item in shown]
    position = sitting.current_item if sitting.current_item in positions else (positions or [None])[0]
    return ExamPage(shown, len(items), responses, position, timed, remaining_seconds(sitting, now=now),
                    sitting.current_section >= len(sitting.sections) - 1)


def score_sitting(sitting: Sitting, *, now: datetime | None = None) -> dict:
    """Score every response (marks a person set are kept); the sitting is graded when nothing waits for
    a grader, and then its outcome and release follow (`events.sitting_graded`: webapp/results/release.py).
    Scoring a graded sitting again (a grader's correction, an examiner's re-mark) updates its outcome; a
    released result that changes is corrected there."""
    items, responses = items_and_responses(sitting)
    for item in items:
        response = responses[item.id]
        # A person's marks (a grader's, or an examiner's re-mark of a machine-scored item) stand until
        # the candidate saves the answer again (after a resume), which clears `marked_at`.
        if response.marked_at is not None:
            continue
        score = score_item(item.question_type, item.key, item.marks, item.negative_marks, response.answer)
        response.awarded, response.correct, response.needs_grading = score.awarded, score.correct, score.needs_grading
        response.marked_at, response.marked_by_id, response.grader_comment = None, None, ""
    summary = result_summary(sitting, items, responses)
    sitting.total_marks = summary["totalMarks"]
    sitting.max_marks = summary["maxMarks"]
    was_graded = sitting.graded_at is not None
    sitting.graded_at = None if summary["pendingGrading"] else (sitting.graded_at or now or utcnow())
    if sitting.graded_at is not None:
        events.sitting_graded.send(sitting, items=items, responses=responses, corrected=was_graded)
    return summary


def progress(sitting: Sitting, responses: dict[int, Response], items: list[SittingItem]) -> dict:
    """Answered, unanswered and flagged counts for the finish summary."""
    answered = sum(1 for item in items if is_answered(item.question_type, responses[item.id].answer))
    flagged = sum(1 for item in items if responses[item.id].flagged)
    return {"answered": answered, "unanswered": len(items) - answered, "flagged": flagged, "total": len(items)}




# What proctoring watches: browsing tolerance and the heartbeat (the proctor's own moves on a sitting are
# in proctor_moves.py) ----------------------------------------------------------------------------------

# What the exam page reports when the candidate leaves the test: each one counts against the tolerance.
BROWSING_EVENTS = frozenset({"tab_hidden", "window_blur", "fullscreen_exit"})


def browsing_count(sitting: Sitting) -> int:
    return db.session.scalar(select(func.count()).select_from(ProctorEvent).where(
        ProctorEvent.sitting_id == sitting.id, ProctorEvent.kind.in_(BROWSING_EVENTS))) or 0


# What the exam page itself may report; anything else ("admitted", say) only staff actions write.
COPY_EVENTS = frozenset({"copy_attempt", "cut_attempt", "paste_attempt", "context_menu_attempt"})


def record_candidate_event(sitting: Sitting, kind, *, now: datetime | None = None) -> dict:
    """An event the exam page reports: a leave of the window counts against the browsing tolerance,
    a copy attempt is only recorded."""
    if isinstance(kind, str) and kind in BROWSING_EVENTS:
        left = record_browsing_event(sitting, kind, now=now)
        return {"recorded": kind, "status": sitting.status.value, "left": left,
                "show_left": sitting.exam.web_proctoring_show_remaining}
    if not isinstance(kind, str) or kind not in COPY_EVENTS:
        raise ValidationError(_("Unknown event."), field="kind")
    record_event(sitting, kind)
    return {"recorded": kind}


def record_browsing_event(sitting: Sitting, kind: str, *, now: datetime | None = None) -> int | None:
    """The candidate left the test window, tab or full screen. Returns how many more exits are allowed
    (None without web proctoring); past the exam's count the test ends `BrowsingToleranceExceeded`."""
    now = now or utcnow()
    if kind not in BROWSING_EVENTS:
        raise ValidationError(_("Unknown event."), field="kind")
    if expire_if_overdue(sitting, now=now) or sitting.status != S.EXAM_STARTED:
        return 0
    record_event(sitting, kind)
    exam = sitting.exam
    if not exam.web_proctoring_enabled:
        return None
    db.session.flush()
    left = exam.web_proctoring_count - browsing_count(sitting)
    if left < 0:
        finish(sitting, FinishMode.BROWSING_TOLERANCE_EXCEEDED, now=now)
        return 0
    return left


# The clock poll of a page that keeps its heartbeat (nearly every poll): one UPDATE by the link's token, and no
# sitting loaded. It matches only where the full path (sitting_for_token, then heartbeat) would change nothing
# but last_seen_at: the test running and not overdue, no silence to settle (note_presence). A timed section
# that ran out is rolled over by the full path; its time counts to the section's deadline either way.
QUICK_HEARTBEAT = (update(Sitting).where(*KEEPING_UP).values(last_seen_at=bindparam("now"))
                   .returning(Sitting.id, Sitting.deadline, Sitting.sections, Sitting.current_section)
                   .execution_options(synchronize_session=False))


class Beat(NamedTuple):
    sitting_id: int
    remaining: int
    section: int
    returned: tuple   # what a floor above added to the statement's RETURNING


def quick_heartbeat(token: str, *, now: datetime | None = None, statement=QUICK_HEARTBEAT) -> Beat | None:
    """The clock of a running sitting from its token in one statement (QUICK_HEARTBEAT, to which a floor above
    may add RETURNING columns), or None: the full path must answer."""
    now = now or utcnow()
    row = _run_hot(statement, _keeping_up(token, now)).first()
    if row is None or (is_timed(row) and (deadline := section_deadline(row)) and now >= deadline):
        return None
    return Beat(row.id, remaining_seconds(row, now=now), row.current_section, tuple(row[4:]))


HEARTBEAT = (update(Sitting).where(Sitting.id == bindparam("sitting_id")).values(last_seen_at=bindparam("seen_at"))
             .execution_options(synchronize_session=False))


def heartbeat(sitting: Sitting, *, now: datetime | None = None, statement=HEARTBEAT) -> int:
    """The exam page is open: one UPDATE of last_seen_at (the live monitor's online/offline). A floor above
    may pass HEARTBEAT returning a scalar subquery (the proctor's undelivered messages, by the same
    `sitting_id`), so the poll asks for messages only when there are some: its value is returned (else 0).
    A sign of life for the time spent."""
    now = now or utcnow()
    note_presence(sitting, now)
    result = db.session.execute(statement, {"sitting_id": sitting.id, "seen_at": now})
    # The sitting in hand knows it too (no statement): a later sign of life in this session compares with it.
    set_committed_value(sitting, "last_seen_at", now)
    return 0 if statement is HEARTBEAT else result.scalar() or 0

