"""Shared column types, mixins, the institute-scoped lookup and the paging every domain uses, and the
ledger of deleted records."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import DateTime, Enum, ForeignKey, String, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter

from webapp.core.clock import utcnow
from webapp.core.errors import NotFound
from webapp.core.extensions import db


# Record ids are 32-bit integers on PostgreSQL: a larger number names no record.
MAX_ID = 2**31 - 1


class RecordId(IntegerConverter):
    """A record id in a route: ASCII digits only (`\\d` would take '٣' for 3), and a number out of
    range is simply not found."""

    regex = r"[0-9]+"

    def __init__(self, url_map):
        super().__init__(url_map, max=MAX_ID)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone; this puts it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


Model = TypeVar("Model")


def parse_id(value, what: str) -> int:
    """A record id from outside (a URL, a form), or NotFound: also for numbers larger than any id
    column holds, where the databases would overflow or refuse rather than just miss."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise NotFound(what)  # int() reads '٣' as 3 and refuses '²', though both are digits
    try:
        record_id = int(value)
    except (TypeError, ValueError):
        raise NotFound(what) from None
    if not 0 < record_id <= MAX_ID:
        raise NotFound(what)
    return record_id


def get_in_institute(model: type[Model], institute_id: int, record_id, what: str) -> Model:
    """The record with this id in this institute; another institute's record is simply not found."""
    record_id = parse_id(record_id, what)
    record = db.session.scalar(
        select(model).where(model.id == record_id, model.institute_id == institute_id)
    )
    if record is None:
        raise NotFound(what)
    return record


@dataclass
class Page:
    items: list
    total: int


def page_of(query, order: list, offset: int, limit: int | None, count=None) -> Page:
    """The rows of `query` in `order` from `offset` (at most `limit` of them), with the count of all.
    `count`, a select of that number, spares the database the joins the rows need and the count does not."""
    total = db.session.scalar(count if count is not None else
                              select(func.count()).select_from(query.order_by(None).subquery()))
    query = query.order_by(*order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return Page(list(db.session.execute(query).all()), total)


class RowPagination(Pagination):
    """A console page of a select of several entities or columns, each row made into one object by
    `make(*row)` (db.paginate keeps only a row's first entity). Build it with `paginate_rows`."""

    def _query_items(self) -> list:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return [self._query_args["make"](*row) for row in db.session.execute(query)]

    def _query_count(self) -> int:
        if self._query_args["count_select"] is not None:
            return db.session.scalar(self._query_args["count_select"])
        query = self._query_args["select"].order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(query))


def paginate_rows(query, make, *, page: int = 1, per_page: int = 25, count=None) -> RowPagination:
    """Page `page` of the ordered `query`, as the console's pagination macro reads it. `count`, a select of
    the number of its rows, spares the database the joins the rows need and the count does not."""
    return RowPagination(page=page, per_page=per_page, error_out=False, select=query, make=make,
                         count_select=count)


def direction(column, descending: bool):
    return column.desc() if descending else column.asc()


class DeletedRecord(db.Model):
    """An assessment (by id) or exam (by access key) that was deleted, so that the Mettl dialect can
    answer "Assessment Id deleted" (E007) and "Schedule deleted" (E008) rather than "invalid". Written
    by mapper events beside the Assessment and Exam models, so a deletion from the console counts as
    well as one from the API."""

    __tablename__ = "deleted_records"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)   # "assessment" or "exam"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def remember_deletion(connection, kind: str, key: str, institute_id: int) -> None:
    table = DeletedRecord.__table__
    # SQLite may hand a deleted row's id to the next row, so the same key can be deleted twice.
    connection.execute(delete(table).where(table.c.kind == kind, table.c.key == key))
    connection.execute(insert(table).values(kind=kind, key=key, institute_id=institute_id, deleted_at=utcnow()))


def was_deleted(institute_id: int, kind: str, key) -> bool:
    return db.session.scalar(select(DeletedRecord.key).where(
        DeletedRecord.kind == kind, DeletedRecord.key == str(key),
        DeletedRecord.institute_id == institute_id)) is not None


def enum_type(enum_class: type) -> Enum:
    """Store an enum by its value in a plain string column (portable, readable in SQL)."""
    return Enum(enum_class, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])


def configure_engine(app) -> None:
    """SQLite: WAL and a busy timeout so that the web workers and the delivery worker share the file;
    foreign keys on, as PostgreSQL always has them."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()


def claim_next_batch(query, items_of, batch_size: int, **running) -> tuple[object, list] | None:
    """For a worker's run that goes through a list in batches (a re-score's sittings, an import's items):
    the first run the `query` finds, locked, and its next batch, claimed by moving its `done` count on only
    where it still is what this worker read, so two workers never take the same batch. `running` are the
    values a claimed run takes (its running state). None: nothing to do, or another worker was first."""
    run = db.session.scalar(query.limit(1).with_for_update(skip_locked=True))
    if run is None:
        return None
    model, start = type(run), run.done
    batch = list(items_of(run)[start:start + batch_size])
    claimed = db.session.execute(
        update(model).where(model.id == run.id, model.done == start)
        .values(done=start + len(batch), started_at=run.started_at or utcnow(), **running)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return None
    db.session.refresh(run)
    return run, batch


def on_postgresql() -> bool:
    """The session's database is PostgreSQL (which has what SQLite lacks: SKIP LOCKED, data-modifying WITH)."""
    return db.session.get_bind().dialect.name == "postgresql"


# The INSERT of each database we run on that takes ON CONFLICT (an upsert, or an insert that may find its
# row there already), by dialect name: `UPSERTS[bind.dialect.name](table)`.
UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
