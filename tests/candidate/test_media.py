"""A candidate's page shows its items' media through the sitting's own URLs: only the files of the sitting's
items, only while the candidate may go on; a recording limited to N plays is counted on the server."""
import json

import pytest

from tests.candidate.helpers import page, paper_assessment, register, start
from tests.images import image_bytes
from tests.media_files import wav_bytes
from webapp.bank.media import media_url, store_media
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import MediaPlay


@pytest.fixture
def media(admin):
    files = {"picture": store_media(admin.institute_id, "harbour.png", image_bytes("PNG", (8, 8))),
             "sound": store_media(admin.institute_id, "dialogue.wav", wav_bytes()),
             "free": store_media(admin.institute_id, "song.wav", wav_bytes(0.25)),
             "option": store_media(admin.institute_id, "boat.gif", image_bytes("GIF")),
             "elsewhere": store_media(admin.institute_id, "unused.jpg", image_bytes("JPEG"))}
    db.session.commit()
    return files


def listening_exam(admin, factory, media, name="Listening"):
    skill = create_skill(admin, f"{name} skill")
    question = create_question(admin, QuestionInput(
        type="MCQ", skill_id=skill.id, difficulty="EASY",
        stem=(f'<p>Listen twice.</p><audio controls src="{media_url(media["sound"])}" data-max-plays="2"></audio>'
              f'<audio controls src="{media_url(media["free"])}"></audio>'
              f'<img src="{media_url(media["picture"])}" alt="A harbour at night">'),
        options=[{"html": f'<img src="{media_url(media["option"])}" alt="A boat">', "correct": True},
                 {"html": "A car"}]))
    db.session.commit()
    return factory.exam(admin, assessment=paper_assessment(admin, [question.id], name=name),
                        access_type="ByInvitation")


@pytest.fixture
def sitting(admin, factory, media):
    return start(register(admin, listening_exam(admin, factory, media)))


def test_the_exam_page_shows_the_items_media_through_the_sittings_urls(client, sitting, media):
    soup = page(client.get(f"/s/{sitting.access_token}"))
    base = f"/s/{sitting.access_token}/media"
    assert [img["src"] for img in soup.select(".question img")] == [f"{base}/{media['picture'].id}",
                                                                     f"{base}/{media['option'].id}"]
    limited, free = soup.select(".question audio")
    assert limited["src"] == f"{base}/{media['sound'].id}" and limited["preload"] == "auto"
    assert (limited["data-plays-left"], limited["data-play-url"]) == ("2", f"{base}/{media['sound'].id}/play")
    assert free["src"] == f"{base}/{media['free'].id}" and not free.has_attr("data-play-url")
    assert "/media/" not in str(soup).replace(base, "")
    # Only the page's copy changed: the frozen paper keeps the bank's URLs.
    db.session.expire_all()
    item, = taking.items_and_responses(sitting)[0]
    assert media_url(media["sound"]) in item.stem


def test_the_sitting_serves_its_items_media_and_nothing_else(client, sitting, media, admin, factory):
    base = f"/s/{sitting.access_token}/media"
    response = client.get(f"{base}/{media['picture'].id}")
    assert response.data == image_bytes("PNG", (8, 8)) and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"].startswith("private, max-age=")
    part = client.get(f"{base}/{media['sound'].id}", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == wav_bytes()[:100] and part.mimetype == "audio/wav"
    assert client.get(f"{base}/{media['option'].id}").status_code == 200
    # A file of the institute that no item of this sitting shows, another sitting's, an unknown id.
    other = start(register(admin, listening_exam(admin, factory, {**media, "picture": media["elsewhere"]},
                                                 name="Other"), email="bob@example.com"))
    for refused in (f"{base}/{media['elsewhere'].id}", f"/s/{other.access_token}/media/{media['picture'].id}",
                    f"{base}/99999", "/s/not-a-token/media/1"):
        assert client.get(refused).status_code == 404, refused
    assert client.get(f"/s/{other.access_token}/media/{media['elsewhere'].id}").status_code == 200


def test_another_institutes_sitting_gets_nothing_of_ours(client, media, factory):
    other_admin = factory.institute()[1]
    theirs = {name: store_media(other_admin.institute_id, f"{name}.wav", wav_bytes(0.1 * (n + 1)))
              for n, name in enumerate(("sound", "free", "picture", "option"))}
    db.session.commit()
    sitting = start(register(other_admin, listening_exam(other_admin, factory, theirs)))
    assert client.get(f"/s/{sitting.access_token}/media/{media['picture'].id}").status_code == 404


def test_media_are_served_only_while_the_candidate_may_go_on(client, admin, factory, media):
    sitting = register(admin, listening_exam(admin, factory, media))
    url = f"/s/{sitting.access_token}/media/{media['picture'].id}"
    assert client.get(url).status_code == 404                       # registered: nothing drawn yet
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True)
    db.session.commit()
    # The instructions page (before the clock runs) preloads the paper Start will freeze.
    soup = page(client.get(f"/s/{sitting.access_token}"))
    preload = soup.select_one("[data-preload]")
    assert sorted(json.loads(preload["data-preload"])) == sorted(
        f"/s/{sitting.access_token}/media/{media[name].id}" for name in ("sound", "free", "picture", "option"))
    assert client.get(url).status_code == 200
    taking.start_exam(sitting)
    taking.finish(sitting)
    db.session.commit()
    assert client.get(url).status_code == 404                       # finished


def test_a_limited_recording_plays_as_often_as_allowed_and_the_count_survives_a_reload(client, sitting, media):
    item, = taking.items_and_responses(sitting)[0]
    play = f"/s/{sitting.access_token}/media/{media['sound'].id}/play"
    headers = {"Accept": "application/json"}
    assert client.post(play, json={"item_id": item.id}, headers=headers).get_json() == {"plays": 1, "left": 1}
    reloaded = page(client.get(f"/s/{sitting.access_token}"))
    assert reloaded.select(".question audio")[0]["data-plays-left"] == "1"
    assert client.post(play, json={"item_id": item.id}, headers=headers).get_json() == {"plays": 2, "left": 0}
    refused = client.post(play, json={"item_id": item.id}, headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == "You have played this recording as often as allowed."
    assert page(client.get(f"/s/{sitting.access_token}")).select(".question audio")[0]["data-plays-left"] == "0"
    assert db.session.query(MediaPlay).one().plays == 2
    # A recording without a limit is counted and never refused.
    free = f"/s/{sitting.access_token}/media/{media['free'].id}/play"
    for count in (1, 2, 3):
        assert client.post(free, json={"item_id": item.id}, headers=headers).get_json() == {"plays": count, "left": None}


@pytest.mark.parametrize("body", [{}, {"item_id": "x"}, {"item_id": 10**12}, {"item_id": [1]}])
def test_a_play_of_something_the_item_does_not_show_is_not_found(client, sitting, media, body):
    url = f"/s/{sitting.access_token}/media/{media['sound'].id}/play"
    assert client.post(url, json=body, headers={"Accept": "application/json"}).status_code == 404
    item, = taking.items_and_responses(sitting)[0]
    assert client.post(f"/s/{sitting.access_token}/media/{media['elsewhere'].id}/play", json={"item_id": item.id},
                       headers={"Accept": "application/json"}).status_code == 404


def test_pictures_to_match_are_preloaded_shown_and_served(client, admin, factory, media):
    skill = create_skill(admin, "Pictures")
    question = create_question(admin, QuestionInput(
        type="MATCHING", skill_id=skill.id, difficulty="EASY", stem="<p>Match each word with its picture.</p>",
        options=[{"html": f'<img src="{media_url(media["option"])}" alt="A boat">', "match": 0},
                 {"html": f'<img src="{media_url(media["picture"])}" alt="A harbour">', "match": 1}],
        targets=[{"html": "boat"}, {"html": "harbour"}]))
    db.session.commit()
    exam = factory.exam(admin, assessment=paper_assessment(admin, [question.id], name="Matching"),
                        access_type="ByInvitation")
    sitting = register(admin, exam)
    taking.start_check(sitting, ip_address="127.0.0.1")
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True)
    db.session.commit()
    preload = json.loads(page(client.get(f"/s/{sitting.access_token}")).select_one("[data-preload]")["data-preload"])
    base = f"/s/{sitting.access_token}/media"
    assert sorted(preload) == sorted(f"{base}/{media[name].id}" for name in ("option", "picture"))
    taking.start_exam(sitting)
    db.session.commit()
    shown = str(page(client.get(f"/s/{sitting.access_token}")).select_one(".question"))
    assert f'src="{base}/{media["option"].id}"' in shown and f'src="{base}/{media["picture"].id}"' in shown
    assert client.get(f"{base}/{media['option'].id}").status_code == 200


def test_pictures_as_the_answers_to_match_are_listed_lettered_and_chosen_by_letter(client, admin, factory, media):
    skill = create_skill(admin, "Pictures to choose")
    question = create_question(admin, QuestionInput(
        type="MATCHING", skill_id=skill.id, difficulty="EASY", stem="<p>Match each word with its picture.</p>",
        options=[{"html": "boat", "match": 0}, {"html": "harbour", "match": 1}],
        targets=[{"html": f'<img src="{media_url(media["option"])}" alt="A boat">'},
                 {"html": f'<img src="{media_url(media["picture"])}" alt="A harbour">'}]))
    db.session.commit()
    exam = factory.exam(admin, assessment=paper_assessment(admin, [question.id], name="Matching pictures"),
                        access_type="ByInvitation")
    sitting = start(register(admin, exam))
    shown = page(client.get(f"/s/{sitting.access_token}")).select_one(".question")
    base = f"/s/{sitting.access_token}/media"
    listed = shown.select(".pair-targets li img")
    assert sorted(image["src"] for image in listed) == sorted(f"{base}/{media[name].id}" for name in ("option", "picture"))
    for select in shown.select(".pair select"):
        assert [option.get_text(strip=True) for option in select.select("option")][1:] == ["A", "B"]


def test_words_to_match_need_no_lettered_list(client, admin, factory, media):
    skill = create_skill(admin, "Words to choose")
    question = create_question(admin, QuestionInput(
        type="MATCHING", skill_id=skill.id, difficulty="EASY", stem="<p>Match the capitals.</p>",
        options=[{"html": "France", "match": 0}, {"html": "Spain", "match": 1}],
        targets=[{"html": "Paris"}, {"html": "Madrid"}]))
    db.session.commit()
    exam = factory.exam(admin, assessment=paper_assessment(admin, [question.id], name="Matching words"),
                        access_type="ByInvitation")
    sitting = start(register(admin, exam))
    shown = page(client.get(f"/s/{sitting.access_token}")).select_one(".question")
    assert shown.select(".pair-targets") == []
    assert sorted(option.get_text(strip=True) for option in shown.select(".pair select")[0].select("option")[1:]) \
        == ["Madrid", "Paris"]
