"""An import of a file of questions, from its check to its report (the rules: webapp/bank/imports.py)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.clock import utcnow
from webapp.core.database import UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels


class ImportStatus(Labelled, enum.StrEnum):
    CHECKED = "checked"     # previewed, waiting for the examiner to import it or cancel
    QUEUED = "queued"       # the worker will import it
    RUNNING = "running"     # some batches are imported
    DONE = "done"
    FAILED = "failed"       # a batch broke: what was imported before stays


labels(ImportStatus, {
    ImportStatus.CHECKED: _l("Checked"),
    ImportStatus.QUEUED: _l("Waiting"),
    ImportStatus.RUNNING: _l("Importing"),
    ImportStatus.DONE: _l("Done"),
    ImportStatus.FAILED: _l("Stopped"),
})
ACTIVE_IMPORT_STATES = (ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportRun(db.Model):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), default=None)  # None: the CLI
    file_name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))
    # The skill every item goes into when the examiner forced one; None: each item's own (created as needed).
    skill_id: Mapped[Optional[int]] = mapped_column(ForeignKey("skills.id", ondelete="SET NULL"), default=None)
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus), default=ImportStatus.CHECKED, index=True)
    upload_key: Mapped[str] = mapped_column(String(200), default="")   # webapp/core/storage.py; "" once done
    # The preview: per item {"ref", "type", "skill", "new_skill", "words", "media", "reason"} (reason None: ok),
    # the file's problems [{"file", "message", "item"}] and the titles of the tests it holds (not imported).
    items: Mapped[list] = mapped_column(JSON, default=list)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    tests: Mapped[list] = mapped_column(JSON, default=list)
    # The positions (in the parsed file) of the items that passed the check; the first `done` are processed.
    positions: Mapped[list] = mapped_column(JSON, default=list)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    report: Mapped[list] = mapped_column(JSON, default=list)          # [{"item", "message"}]
    question_ids: Mapped[list] = mapped_column(JSON, default=list)
    media_urls: Mapped[dict] = mapped_column(JSON, default=dict)      # a file's ref -> its stored media's URL
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_IMPORT_STATES

    @property
    def is_checked(self) -> bool:
        return self.status == ImportStatus.CHECKED

    @property
    def has_failed(self) -> bool:
        return self.status == ImportStatus.FAILED

    @property
    def to_import(self) -> int:
        return len(self.positions)
