"""Landed Alembic revisions name their column type `webapp.database.UTCDateTime`; a landed revision is
never edited, so this name stays and points to where the database helpers live now."""
from webapp.core.database import UTCDateTime  # noqa: F401
