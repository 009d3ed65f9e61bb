"""Sending a file as the answer through the exam page's endpoint: a file larger than other requests may be
(up to the item's limit), refused with the documented error when too large or of a kind the item does not
allow, never for another sitting's item; its answer then saved with the versioned save."""
import io

import pytest
from sqlalchemy import select

from tests.candidate.helpers import items_by_type, register, start
from tests.sittings.test_typed_items import skill  # noqa: F401 (a fixture)
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question
from webapp.core.extensions import db
from webapp.sittings.models import AnswerFile, Response

JSON = {"Accept": "application/json"}
MEGABYTE = 1024 * 1024


@pytest.fixture
def exam(factory, admin, skill):  # noqa: F811
    question = create_question(admin, QuestionInput(type="FU", skill_id=skill.id, difficulty="EASY",
                                                    stem="<p>Send your recording.</p>",
                                                    answer_file={"kinds": ["pdf", "audio"], "max_mb": 10}))
    assessment = create_assessment(admin, AssessmentInput(name="Files", duration=30, sections=[
        SectionInput(name="All", question_ids=[question.id])]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment)


def _send(client, sitting, item_id, data: bytes, name: str = "talk.mp3"):
    return client.post(f"/s/{sitting.access_token}/files", headers=JSON,
                       data={"item_id": str(item_id), "file": (io.BytesIO(data), name)})


def test_a_large_file_within_the_item_s_limit_is_stored_then_saved(client, admin, exam):
    sitting = start(register(admin, exam))
    item = items_by_type(sitting)["FU"]
    recording = b"ID3\x03\x00" + b"\x00" * (9 * MEGABYTE)   # more than other requests may carry
    sent = _send(client, sitting, item.id, recording)
    assert sent.status_code == 200, sent.json
    answer = sent.json["answer"]
    assert answer["file"]["name"] == "talk.mp3" and answer["file"]["size"] == len(recording)
    assert answer["file"]["type"] == "audio/mpeg"
    saved = client.post(f"/s/{sitting.access_token}/answers", headers=JSON,
                        json={"item_id": item.id, "answer": answer, "version": 1})
    assert saved.json["saved"] is True
    db.session.expire_all()
    assert db.session.scalar(select(Response.answer).where(Response.item_id == item.id)) == answer


@pytest.mark.parametrize("data, name, message", [
    (b"%PDF-" + b"x" * (10 * MEGABYTE), "big.pdf", "The file is larger than 10 MB."),
    (b"\x89PNG\r\n\x1a\n", "photo.mp3", "This kind of file cannot be sent here: send one of PDF, audio recording."),
])
def test_a_refused_file_gets_the_documented_error_and_nothing_is_stored(client, admin, exam, data, name, message):
    sitting = start(register(admin, exam))
    refused = _send(client, sitting, items_by_type(sitting)["FU"].id, data, name)
    assert refused.status_code == 400 and refused.json["error"]["message"] == message
    assert db.session.scalar(select(AnswerFile.id)) is None


def test_another_sitting_s_item_is_not_found(client, admin, exam):
    ann = start(register(admin, exam))
    bo = start(register(admin, exam, "bo@example.com"))
    assert _send(client, bo, items_by_type(ann)["FU"].id, b"%PDF-1.4").status_code == 404
    assert client.post(f"/s/{ann.access_token}/files", headers=JSON, data={"item_id": "1"}).status_code == 400
