"""Rate limit counters in the application's own database, shared by every web worker.

Without `REDIS_URL`, Flask-Limiter's storage is `database://`: this `limits` storage, so that a stated
limit holds across all the workers of `make run` (an in-memory storage counts in each worker apart,
multiplying the limit by their number). It supports the fixed-window strategy (Flask-Limiter's default):
one row per rate-limit key with its count and the end of its window, incremented by a single atomic
upsert on PostgreSQL and SQLite alike.
"""
from __future__ import annotations

import time

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.database import UPSERTS
from webapp.core.extensions import db

SCHEME = "database"


class RateLimitCounter(db.Model):
    """The hits of one rate-limit key (a limit and a client) in its current window."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Seconds since the epoch, as `limits` counts them; indexed for the purge of ended windows.
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class DatabaseStorage(Storage):
    """A `limits` storage over the application's database. It runs inside a request (or an app
    context), on a connection of its own: a hit counts even when the request's change is rolled back."""

    STORAGE_SCHEME = [SCHEME]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        counters = RateLimitCounter.__table__
        ended = counters.c.expires_at <= now
        with db.engine.begin() as connection:
            upsert = UPSERTS[connection.dialect.name](counters).values(key=key, count=amount,
                                                                      expires_at=now + expiry)
            count = connection.execute(upsert.on_conflict_do_update(index_elements=[counters.c.key], set_={
                "count": case((ended, amount), else_=counters.c.count + amount),
                "expires_at": case((ended, now + expiry), else_=counters.c.expires_at),
            }).returning(counters.c.count)).scalar_one()
            if count == amount:
                # A window began: drop the ended ones of every key, so the table holds live windows only.
                connection.execute(delete(counters).where(ended))
        return count

    def get(self, key: str) -> int:
        counters = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            count = connection.scalar(select(counters.c.count).where(counters.c.key == key,
                                                                     counters.c.expires_at > time.time()))
        return count or 0

    def get_expiry(self, key: str) -> float:
        counters = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            expires_at = connection.scalar(select(counters.c.expires_at).where(counters.c.key == key))
        return expires_at if expires_at is not None else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.scalar(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        counters = RateLimitCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(delete(counters).where(counters.c.key == key))
