"""Files candidates sent as answers, for the staff who read results or grade them: of their own institute only
(another institute's file is "not found")."""
from __future__ import annotations

from webapp.accounts.models import User
from webapp.core import storage
from webapp.core.database import get_in_institute
from webapp.core.permissions import Permission, can, require
from webapp.sittings.models import AnswerFile


def answer_file(actor: User, file_id) -> tuple[AnswerFile, bytes, str]:
    """The file, its bytes and its MIME type (found from its bytes when it was sent)."""
    if not can(actor, Permission.VIEW_RESULTS):
        require(actor, Permission.GRADE_RESPONSES)
    uploaded = get_in_institute(AnswerFile, actor.institute_id, file_id, "File")
    data, mimetype = storage.read_answer_file(uploaded.storage_key)
    return uploaded, data, mimetype
