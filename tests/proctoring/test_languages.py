"""The proctor's pages read in the reader's language: the live monitor and a sitting's page in German and
Arabic, with states, finish modes, flag categories and the event log in plain words, never codes or JSON."""
from bs4 import BeautifulSoup

from tests.conftest import log_in
from tests.proctoring.conftest import started
from webapp.sittings.models import EVENT_LABELS, ProctorEvent


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_live_monitor_in_german(client, admin, exam, pool_proctor):
    sitting = started(admin, exam)
    log_in(client, pool_proctor)
    soup = _soup(client.get(f"/proctoring/exams/{exam.id}/monitor?lang=de"))
    assert soup.html["lang"] == "de"
    assert soup.select_one("h1").get_text(strip=True) == f"Live-Überwachung: {exam.name}"
    headings = [th.get_text(strip=True) for th in soup.select("table.monitor th")]
    assert headings[1:4] == ["Kandidat/in", "Status", "Verbleibende Zeit"]
    row = soup.select_one(f"tr[data-sitting-id='{sitting.id}']")
    assert row.select_one("[data-state]").get_text(strip=True) == "Legt die Prüfung ab"
    assert row.select_one("[data-online]").get_text(strip=True) == "online"
    assert [option.get_text() for option in soup.select("#state option")][1:] == [
        "Wartet auf Zulassung", "Legt die Prüfung ab", "Beendet", "Nicht begonnen"]
    assert soup.select_one(".monitor-count").get_text(" ", strip=True) == "1 Teilnahme"


def test_a_sitting_page_in_arabic_reads_right_to_left_with_plain_words(client, admin, exam, pool_proctor):
    sitting = started(admin, exam)
    log_in(client, pool_proctor)
    client.post(f"/proctoring/sittings/{sitting.id}/extend", data={"minutes": "10"})
    client.post(f"/proctoring/sittings/{sitting.id}/flag", data={"category": "phone", "note": "هاتف على الطاولة"})
    client.post(f"/proctoring/sittings/{sitting.id}/terminate", data={"reason": "استخدام الهاتف"})
    soup = _soup(client.get(f"/proctoring/sittings/{sitting.id}?lang=ar"))
    assert (soup.html["lang"], soup.html["dir"]) == ("ar", "rtl")
    # "Finished" is shared with other catalogues, whose wording may win; how it ended is this area's.
    assert soup.select_one("[data-state]").get_text(strip=True).endswith("(أنهاه مراقب)")
    assert "TerminatedByProctor" not in soup.get_text()
    assert [option.get_text() for option in soup.select("#category option")][3] == "الهاتف"
    assert soup.select_one("ul.flags li").get_text(" ", strip=True).startswith("الهاتف: هاتف على الطاولة")
    log = {row["data-event"]: [cell.get_text(strip=True) for cell in row.select("td")[1:]]
           for row in soup.select("table.events tr[data-event]")}
    assert log["time_extended"] == ["مُدِّد الوقت", "منح Pat Pool 10 دقائق إضافية."]
    assert log["flag_raised"] == ["سُجِّل تنبيه", "سجَّل Pat Pool تنبيه «الهاتف»: هاتف على الطاولة"]
    assert log["terminated"] == ["أنهاه مراقب", "بواسطة Pat Pool: استخدام الهاتف"]
    assert log["exam_finished"] == ["انتهى الامتحان", "أنهاه مراقب"]
    assert not any("{" in cell or "_" in cell for cells in log.values() for cell in cells)


def test_the_event_log_in_english_names_people_and_never_shows_json(client, admin, exam, pool_proctor):
    sitting = started(admin, exam)
    log_in(client, pool_proctor)
    client.post(f"/proctoring/sittings/{sitting.id}/extend", data={"minutes": "1"})
    client.post(f"/proctoring/sittings/{sitting.id}/message", data={"body": "Eyes on the screen, please."})
    soup = _soup(client.get(f"/proctoring/sittings/{sitting.id}"))
    log = {row["data-event"]: [cell.get_text(strip=True) for cell in row.select("td")[1:]]
           for row in soup.select("table.events tr[data-event]")}
    assert log["time_extended"] == ["Time extended", "Pat Pool gave 1 more minute."]
    assert log["message_sent"] == ["Message sent", "Pat Pool wrote: Eyes on the screen, please."]
    assert log["exam_started"] == ["Test started", ""]
    assert log["check_started"] == ["System check started", "From the IP address 127.0.0.1."]


def test_every_event_kind_written_has_words_and_an_unknown_one_reads_as_other():
    assert ProctorEvent(kind="window_blur", details={}).label == "Left the test window"
    assert ProctorEvent(kind="something_new", details={"x": 1}).label == "Other event"
    assert ProctorEvent(kind="something_new", details={"x": 1}).describe() == ""
    assert {"tab_hidden", "window_blur", "fullscreen_exit", "copy_attempt", "paste_attempt", "admitted",
            "time_extended", "flag_raised", "resumed", "terminated"} <= set(EVENT_LABELS)
