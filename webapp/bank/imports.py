"""Importing a file of questions (QTI, Moodle XML, GIFT, the CSV/XLSX template) and exporting the bank.

The policy (README: "Importing questions"):
1. The file is checked first, as a whole, and no question or skill is stored by the check: it is parsed,
   each item is validated exactly as it would be stored (inside a savepoint that is then undone), and the
   pictures, audio and video each item shows must be in the file and be media. Those are stored by the
   check (webapp/bank/media.py keeps each file once per institute, by its bytes), so that the items are
   validated with the very URLs they will hold; a cancelled import leaves them as unused media. The
   preview lists every item with its type, skill (an existing one, or one to be created), first words,
   media and whether it will be imported or why it is skipped. A problem of the file (a bad zip,
   malformed XML, a missing manifest, an unknown column) refuses it whole: a file with problems imports
   nothing.
2. Importing imports the items that passed the check, in batches of IMPORT_BATCH_SIZE (settings, 50).
   Each batch is one transaction together with the run's progress, so a crash loses at most the batch under way and
   the next batch resumes after the last committed one without importing anything twice. An item that
   fails at import all the same (rare: the check ran before) is reported and leaves nothing behind (its
   own savepoint). In the console the worker does the batches (`run_imports`, a periodic job); the
   command line does them in its own process, with the same functions.
3. Skills are created as needed from the items' categories unless the import forces one skill; an item
   without a skill goes into a skill named after the file. Each question's source is "Import: <file>".
   Tests found in the file (a QTI assessmentTest) are listed in the preview and not imported.
4. The uploaded file is kept (webapp/core/storage.py) from the check until the run is done, failed or
   cancelled; a checked file nobody imports or cancels goes after CHECKED_KEPT (two days). One audit entry records the import, written when the last batch is done."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from dataclasses import fields as dataclass_fields
from pathlib import PurePosixPath

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from webapp.accounts.credentials import COMMAND_LINE
from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.bank.import_runs import ACTIVE_IMPORT_STATES, ImportRun, ImportStatus
from webapp.bank.interchange import FORMATS, ItemDraft, ParsedBank, detect_format
from webapp.bank.media import media_bytes, media_from_url, media_url, store_media
from webapp.bank.models import Media, Question, QuestionStatus, Skill
from webapp.bank.sanitize import first_words
from webapp.bank.services import QuestionInput, add_question, ensure_skill, skill_by_name
from webapp.core import storage
from webapp.core.clock import utcnow
from webapp.core.database import claim_next_batch, get_in_institute
from webapp.core.errors import DomainError, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require

log = logging.getLogger(__name__)

AUTO = "auto"
SOURCE_PREFIX = "Import: "
CHECKED_KEPT = timedelta(days=2)     # how long a checked file waits for "Import" or "Cancel"
SOURCE_LENGTH = Question.source.type.length
FILE_NAME_LENGTH = ImportRun.file_name.type.length
INPUT_FIELDS = frozenset(field.name for field in dataclass_fields(QuestionInput)) - {"skill_id"}
# The places of a draft's HTML that may refer to media files of the package.
HTML_FIELDS = ("stem", "explanation")
HTML_LISTS = ("options", "targets")
# src="images/cat.png": a picture, audio or video of the package (not a URL, a path or a fragment).
REFERENCE = re.compile(r"""(\bsrc\s*=\s*)(["'])([^"']*)\2""", re.IGNORECASE)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", re.IGNORECASE)


# Reading a file ---------------------------------------------------------------------------------

def _parsed(filename: str, data: bytes, format_name: str) -> ParsedBank:
    if format_name in (None, "", AUTO):
        format_ = detect_format(filename, data)
        if format_ is None:
            raise ValidationError(_("The format of %(file)s is not recognised: choose it.", file=filename),
                                  field="format")
    elif format_name in FORMATS:
        format_ = FORMATS[format_name]
    else:
        raise ValidationError(_("Unknown format “%(name)s”: choose one of %(names)s.", name=format_name,
                                names=", ".join(FORMATS)), field="format")
    return format_.parse(filename, data)


def _references(draft: ItemDraft) -> list[str]:
    """The media files of the package that the draft's HTML refers to, each once, in order."""
    found = []
    for html in _html_parts(draft.fields):
        for match in REFERENCE.finditer(html or ""):
            reference = match[3].strip()
            if reference and not EXTERNAL.match(reference) and reference not in found:
                found.append(reference)
    return found


def _html_parts(fields: dict) -> list[str]:
    parts = [fields.get(name) or "" for name in HTML_FIELDS]
    for name in HTML_LISTS:
        parts.extend(entry.get("html") or "" for entry in fields.get(name) or [] if isinstance(entry, dict))
    return [part for part in parts if isinstance(part, str)]


def _with_urls(fields: dict, urls: dict[str, str]) -> dict:
    """The draft's fields with each media reference replaced by its stored media's URL."""
    def rewrite(html):
        if not isinstance(html, str):
            return html
        return REFERENCE.sub(lambda match: match[1] + match[2] + urls.get(match[3].strip(), match[3]) + match[2],
                             html)

    rewritten = {**fields, **{name: rewrite(fields.get(name)) for name in HTML_FIELDS if name in fields}}
    for name in HTML_LISTS:
        if isinstance(fields.get(name), list):
            rewritten[name] = [{**entry, "html": rewrite(entry.get("html"))} if isinstance(entry, dict) else entry
                               for entry in fields[name]]
    return rewritten


def _question_input(fields: dict, skill_id: int) -> QuestionInput:
    unknown = set(fields) - INPUT_FIELDS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    return QuestionInput(**{"difficulty": "MEDIUM", "stem": "", **fields, "type": fields.get("type") or "",
                            "skill_id": skill_id})


def _default_skill(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).stem.strip()[:200] or _("Imported questions")


def _skill_name(run: ImportRun, draft: ItemDraft) -> str:
    if run.skill_id is not None:
        return db.session.get(Skill, run.skill_id).name
    return (draft.skill or "").strip()[:200] or _default_skill(run.file_name)


def _source(filename: str) -> str:
    return (SOURCE_PREFIX + filename)[:SOURCE_LENGTH]


# Checking ---------------------------------------------------------------------------------------

def _check_media(run: ImportRun, parsed: ParsedBank, references: list[str], actor: User | None) -> str | None:
    """Store the media the draft shows (once per institute, by their bytes) into `run.media_urls`; why the
    draft must be skipped when one is missing from the package or is no media file."""
    for reference in references:
        if reference in run.media_urls:
            continue
        if reference not in parsed.media:
            return _("The file %(file)s it shows is not in the package.", file=reference)
        try:
            media = store_media(run.institute_id, reference, parsed.media[reference], actor=actor)
        except ValidationError as error:
            return error.message
        run.media_urls = {**run.media_urls, reference: media_url(media)}
    return None


def _store(run: ImportRun, draft: ItemDraft) -> Question:
    """Store one draft (with its skill, created if needed), its media named by the URLs the check stored."""
    skill = ensure_skill(run.institute_id, _skill_name(run, draft))
    data = _question_input(_with_urls(draft.fields, run.media_urls), skill.id)
    return add_question(run.institute_id, data, source=_source(run.file_name))


def _check(institute_id: int, filename: str, data: bytes, format_name: str, skill: Skill | None,
           actor: User | None) -> ImportRun:
    """The run of a checked file, not yet added to the session: its preview and the items to import."""
    filename = (filename or "").strip()[:FILE_NAME_LENGTH] or "upload"
    parsed = _parsed(filename, data, format_name)
    run = ImportRun(institute_id=institute_id, file_name=filename, format=parsed.format,
                    skill_id=skill.id if skill else None, status=ImportStatus.CHECKED, upload_key="",
                    items=[], positions=[], done=0, imported=0, skipped=0, failed=0, report=[], question_ids=[],
                    media_urls={}, created_at=utcnow(),
                    problems=[{"file": problem.file, "message": problem.message, "item": problem.item}
                              for problem in parsed.problems],
                    tests=[test.title for test in parsed.tests])
    if run.problems:
        run.total = len(parsed.items)
        return run
    for position, draft in enumerate(parsed.items):
        skill_name = _skill_name(run, draft)
        references = _references(draft)
        reason = draft.skipped or _check_media(run, parsed, references, actor)
        if reason is None:
            reason = _validation_reason(run, draft)
        run.items.append({"ref": draft.ref, "type": str(draft.fields.get("type") or ""), "skill": skill_name,
                          "new_skill": skill_by_name(institute_id, skill_name) is None,
                          "words": first_words(str(draft.fields.get("stem") or "")), "media": len(references),
                          "reason": reason})
        if reason is None:
            run.positions.append(position)
        else:
            run.report.append({"item": draft.ref, "message": reason})
    run.total, run.skipped = len(run.items), len(run.items) - len(run.positions)
    return run


def _validation_reason(run: ImportRun, draft: ItemDraft) -> str | None:
    """Why the draft cannot be stored, found by storing it inside a savepoint that is then undone."""
    savepoint = db.session.begin_nested()
    try:
        _store(run, draft)
        return None
    except DomainError as error:
        return error.message
    except (TypeError, ValueError, AttributeError, KeyError):
        return _("The item cannot be read.")
    finally:
        savepoint.rollback()


def check_import(actor: User, filename: str, data: bytes, format_name: str = AUTO, skill_id=None) -> ImportRun:
    """Check an uploaded file and keep it with its preview, for the examiner to import or cancel."""
    require(actor, Permission.EDIT_BANK)
    skill = get_in_institute(Skill, actor.institute_id, skill_id, "Skill") if skill_id else None
    run = _check(actor.institute_id, filename, data, format_name, skill, actor)
    run.created_by_id = actor.id
    run.upload_key = storage.store_import_file(actor.institute_id, data)
    db.session.add(run)
    db.session.flush()
    return run


def get_import(actor: User, run_id) -> ImportRun:
    require(actor, Permission.EDIT_BANK)
    return get_in_institute(ImportRun, actor.institute_id, run_id, "Import")


def _queue(run: ImportRun) -> None:
    if run.status != ImportStatus.CHECKED:
        raise ValidationError(_("This file is imported already."))
    if run.problems:
        raise ValidationError(_("The file has problems: nothing of it can be imported."))
    if not run.positions:
        raise ValidationError(_("No question of this file can be imported."))
    # Only from "checked", in one statement: of two clicks (or a click and a cancel) at once, one wins.
    queued = db.session.execute(update(ImportRun).where(ImportRun.id == run.id, ImportRun.status == ImportStatus.CHECKED)
                                .values(status=ImportStatus.QUEUED).execution_options(synchronize_session=False))
    if queued.rowcount != 1:
        raise ValidationError(_("This file is imported already."))
    db.session.refresh(run)


def start_import(actor: User, run_id) -> ImportRun:
    """Hand a checked file to the worker."""
    run = get_import(actor, run_id)
    _queue(run)
    return run


def cancel_import(actor: User, run_id) -> None:
    """Drop a checked file that is not imported (its preview and its upload)."""
    run = get_import(actor, run_id)
    if run.status != ImportStatus.CHECKED:
        raise ValidationError(_("This file is imported already."))
    storage.remove_import_file(run.upload_key)
    db.session.delete(run)


def drop_stale_checks(*, now: datetime | None = None, batch: int = 50) -> int:
    """The worker's job: checked files nobody imported or cancelled within CHECKED_KEPT go, upload first."""
    cutoff = (now or utcnow()) - CHECKED_KEPT
    stale = list(db.session.scalars(select(ImportRun).where(ImportRun.status == ImportStatus.CHECKED,
                                                             ImportRun.created_at < cutoff)
                                    .order_by(ImportRun.id).limit(batch)))
    for run in stale:
        storage.remove_import_file(run.upload_key)
        db.session.delete(run)
    return len(stale)


def recent_imports(actor: User, limit: int = 10) -> list[ImportRun]:
    require(actor, Permission.EDIT_BANK)
    return list(db.session.scalars(select(ImportRun).where(ImportRun.institute_id == actor.institute_id)
                                   .order_by(ImportRun.id.desc()).limit(limit)))


def imported_questions(actor: User, run: ImportRun) -> list[Question]:
    """The questions the run created that are still in the bank, in the order of the file."""
    if not run.question_ids:
        return []
    found = {question.id: question for question in db.session.scalars(select(Question).where(
        Question.institute_id == actor.institute_id, Question.id.in_(run.question_ids)))}
    return [found[question_id] for question_id in run.question_ids if question_id in found]


# Importing --------------------------------------------------------------------------------------

def _claim_batch(batch_size: int, run_id: int | None) -> tuple[ImportRun, list[int]] | None:
    """The oldest active run (or the one given) with its next batch of items, claimed for this worker."""
    query = select(ImportRun).where(ImportRun.status.in_(ACTIVE_IMPORT_STATES))
    if run_id is not None:
        query = query.where(ImportRun.id == run_id)
    return claim_next_batch(query.order_by(ImportRun.id), lambda run: run.positions, batch_size,
                            status=ImportStatus.RUNNING)


def _import_items(run: ImportRun, parsed: ParsedBank, positions: list[int]) -> None:
    question_ids, report = list(run.question_ids), list(run.report)
    for position in positions:
        draft = parsed.items[position]
        savepoint = db.session.begin_nested()
        try:
            question = _store(run, draft)
            savepoint.commit()
        except (DomainError, TypeError, ValueError, AttributeError, KeyError) as error:
            savepoint.rollback()
            report.append({"item": draft.ref, "message": error.message if isinstance(error, DomainError)
                           else _("The item cannot be read.")})
            run.failed += 1
            continue
        question_ids.append(question.id)
        run.imported += 1
    run.question_ids, run.report = question_ids, report


def _finish(run: ImportRun, status: ImportStatus) -> None:
    run.status, run.finished_at = status, utcnow()
    storage.remove_import_file(run.upload_key)
    run.upload_key = ""
    actor = db.session.get(User, run.created_by_id) if run.created_by_id else None
    audit(actor, "questions.import", "import_run", run.id, {},
          {"format": run.format, "imported": run.imported, "skipped": run.skipped, "failed": run.failed,
           "status": run.status.value}, label=run.file_name, institute_id=run.institute_id,
          actor_name="" if actor else COMMAND_LINE)


def run_imports(batch_size: int | None = None, run_id: int | None = None) -> int:
    """The worker's periodic job (and the command line's loop, for its own run): import one batch of the
    oldest active run. The caller commits after it. Returns how many items it processed."""
    claim = _claim_batch(batch_size or current_app.config["IMPORT_BATCH_SIZE"], run_id)
    if claim is None:
        return 0
    run, positions = claim
    try:
        parsed = FORMATS[run.format].parse(run.file_name, storage.read_import_file(run.upload_key))
        _import_items(run, parsed, positions)
    except OperationalError:     # the database is away: the worker waits and the batch is done again later
        raise
    except Exception:
        log.exception("Import run %s failed", run.id)
        run.failed += len(positions)
        run.report = [*run.report, {"item": run.file_name, "message": _("The import stopped: the file could not "
                                                                         "be read again.")}]
        _finish(run, ImportStatus.FAILED)
        return 0
    if run.done >= len(run.positions):
        _finish(run, ImportStatus.DONE)
    return len(positions)


# The command line -------------------------------------------------------------------------------

def command_line_check(institute_id: int, filename: str, data: bytes, format_name: str = AUTO,
                       skill_name: str | None = None, *, dry_run: bool = False) -> tuple[ImportRun, list[str]]:
    """The command line's check: like the console's, with the skill given by name (created if missing).
    Unless it is a dry run, the run is queued at once (if the file has no problems). The check stores the
    media it validates: for a dry run the storage keys of those new are returned too, for the caller to
    remove once it has rolled back (`forget_media_files`)."""
    skill = ensure_skill(institute_id, skill_name) if skill_name and skill_name.strip() else None
    newest_media = db.session.scalar(select(func.max(Media.id))) or 0
    run = _check(institute_id, filename, data, format_name, skill, None)
    if dry_run:
        return run, list(db.session.scalars(select(Media.storage_key).where(
            Media.institute_id == institute_id, Media.id > newest_media)))
    if run.problems or not run.positions:
        return run, []
    run.upload_key = storage.store_import_file(institute_id, data)
    db.session.add(run)
    db.session.flush()
    _queue(run)
    return run, []


def forget_media_files(keys: list[str]) -> None:
    for key in keys:
        storage.remove_media_file(key)


def summary(run: ImportRun, *, dry_run: bool = False) -> dict:
    """The command line's JSON: what was imported, skipped and why."""
    problems = [{"item": problem["item"] or problem["file"], "message": problem["message"]}
                for problem in run.problems]
    result = {"imported": run.imported, "skipped": run.skipped, "errors": [*problems, *run.report],
              "questions": list(run.question_ids)}
    if dry_run:
        result["would_import"] = 0 if run.problems else len(run.positions)
    return result


# Exporting --------------------------------------------------------------------------------------

def export_questions(actor: User, format_name: str, skill=None, title: str | None = None) -> tuple[bytes, str]:
    """The institute's active questions (of one skill, if given) as a file of the format: (bytes, file name)."""
    require(actor, Permission.VIEW_BANK)
    data, filename, __ = export_for_institute(actor.institute_id, format_name, skill, title)
    return data, filename


def export_for_institute(institute_id: int, format_name: str, skill=None,
                         title: str | None = None) -> tuple[bytes, str, int]:
    """What `export_questions` writes, for the command line (which has no user): (bytes, file name, count)."""
    format_ = FORMATS.get(format_name)
    if format_ is None or format_.write is None:
        raise ValidationError(_("Questions cannot be exported as “%(name)s”: choose one of %(names)s.",
                                name=format_name, names=", ".join(export_formats()) or "-"), field="format")
    query = select(Question).where(Question.institute_id == institute_id, Question.status == QuestionStatus.ACTIVE)
    skill_record = None
    if skill not in (None, ""):
        skill_record = get_in_institute(Skill, institute_id, skill, "Skill")
        query = query.where(Question.skill_id == skill_record.id)
    questions = list(db.session.scalars(query.order_by(Question.id)))
    title = title or (skill_record.name if skill_record else _("Question bank"))
    data, extension = format_.write(questions, _media_source(institute_id), title)
    return data, f"{_file_stem(title)}.{extension.lstrip('.')}", len(questions)


def export_formats() -> list[str]:
    return [name for name, format_ in FORMATS.items() if format_.write is not None]


def _file_stem(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", title).strip("-")[:60] or "questions"


def _media_source(institute_id: int):
    """For a writer: the file behind one of the institute's media URLs, as (file name, bytes)."""
    def source(url: str):
        media = media_from_url(institute_id, url)
        return (media.filename, media_bytes(media)) if media is not None else None
    return source
