"""Candidates: the people who take tests, one per e-mail within an institute."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import DDL, ForeignKey, Index, String, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.bank.models import CefrLevel
from webapp.core.database import TimestampMixin, enum_type
from webapp.core.extensions import db


# What a search for a fragment looks in, in SQL.
SEARCHED = {"email": "lower(email)", "username": "lower(username)", "first_name": "lower(first_name)",
            "last_name": "lower(last_name)", "full_name": "lower(first_name || ' ' || last_name)"}


class Candidate(TimestampMixin, db.Model):
    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("institute_id", "email"),
        UniqueConstraint("institute_id", "username"),
        Index("ix_candidates_institute_last_name", "institute_id", "last_name"),
        # Searches for a fragment anywhere in these (candidates.services, results.services.matching) read
        # trigram indexes on PostgreSQL (pg_trgm, migration 0019_scale_indexes) rather than every candidate.
        *(Index(f"ix_candidates_{name}_trigrams", text(f"{expression} gin_trgm_ops"), postgresql_using="gin")
          .ddl_if(dialect="postgresql") for name, expression in SEARCHED.items()),
        # Lists by name read in order: the console's candidates (last name first, within the institute), and
        # the results page's and Mettl's sittings (first name first: the sittings' exam picks the institute).
        Index("ix_candidates_institute_last_first", "institute_id", text("lower(last_name)"),
              text("lower(first_name)"), "id").ddl_if(dialect="postgresql"),
        Index("ix_candidates_first_last", text("lower(first_name)"), text("lower(last_name)"), "id")
        .ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    username: Mapped[str] = mapped_column(String(120))
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120), default="")
    current_level: Mapped[Optional[CefrLevel]] = mapped_column(enum_type(CefrLevel), default=None)
    # The language the candidate last chose on a candidate page (or was invited in): their e-mails' language.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")

    @property
    def name(self) -> str:
        return full_name(self.first_name, self.last_name, self.email)


# The trigram indexes' operators, for a schema made from the models (tests); the migration creates it too.
event.listen(Candidate.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def full_name(first_name: str, last_name: str, email: str) -> str:
    """A candidate's name as pages and files show it, from the columns alone (lists that read no Candidate)."""
    return " ".join(part for part in (first_name, last_name) if part) or email
