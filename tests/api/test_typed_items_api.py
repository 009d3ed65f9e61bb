"""The typed item types over the API: a file answer is listed with the essays for manual grading (Mettl's
`qr=true`), described by its name, size and type."""
from datetime import timedelta

from sqlalchemy import select

from tests.api.test_mettl_endpoints import ok
from tests.sittings.test_taking import T0, _started
from tests.sittings.test_typed_items import skill, typed_paper  # noqa: F401 (fixtures)
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import SittingItem


def test_a_file_answer_is_listed_for_manual_grading(mettl, admin, typed_paper):  # noqa: F811
    sitting = _started(admin, typed_paper)
    item = db.session.scalar(select(SittingItem).where(SittingItem.sitting_id == sitting.id,
                                                       SittingItem.question_type == "FU"))
    sent = taking.upload_answer_file(sitting, item.id, "essay.pdf", b"%PDF-1.4 essay", now=T0)
    taking.save_answer(sitting, item.id, answer=sent.as_answer(), version=1, now=T0)
    taking.finish(sitting, now=T0 + timedelta(minutes=1))
    db.session.commit()
    body = ok(mettl.get(f"/v1/schedules/{typed_paper.access_key}/candidates", {"qr": "true"}))
    responses = body["candidates"][0]["testStatus"]["questionResponses"]
    assert responses == [{"sectionName": "All", "skillName": "Physics", "questionType": "FU",
                          "question": "<p>Send your essay.</p>", "response": None, "marksAwarded": None,
                          "maxMarks": 5.0, "file": {"name": "essay.pdf", "size": 14, "type": "application/pdf"}}]
