"""QTI in: the public samples of QTIWorks (QTI 2.1) and Citolab's QTI 3.0 components read to the items we
expect, broken packages are refused naming the file, and hostile files are refused cleanly."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from webapp.bank.formats import files, qti

FIXTURES = Path(__file__).parents[2] / "fixtures" / "qti"
QTI21 = 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"'


def _parse(name: str):
    path = FIXTURES / name
    return qti.parse(path.name, path.read_bytes())


def _package(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _item(body: str, declarations: str = "", processing: str = "", identifier: str = "item") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><assessmentItem {QTI21} identifier="{identifier}" '
            f'title="t" adaptive="false" timeDependent="false">{declarations}<itemBody>{body}</itemBody>'
            f'{processing}</assessmentItem>').encode()


def _only(bank):
    assert bank.problems == []
    [draft] = bank.items
    return draft


MANIFEST = (b'<?xml version="1.0"?><manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">'
            b'<resources><resource identifier="I" type="imsqti_item_xmlv2p2" href="items/one.xml">'
            b'<file href="items/one.xml"/></resource></resources></manifest>')


# --- QTIWorks' samples of QTI 2.1 ---------------------------------------------------------------------

def test_a_single_choice_is_an_mcq_with_its_key_and_its_picture_left_as_written():
    draft = _only(_parse("ims/choice.xml"))
    assert (draft.ref, draft.skipped, draft.fields["type"]) == ("choice", None, "MCQ")
    assert draft.fields["stem"] == ('<p>Look at the text in the picture.</p><p><img src="images/sign.png" '
                                    'alt="NEVER LEAVE LUGGAGE UNATTENDED"></p><p>What does it say?</p>')
    assert [(option["html"], option["correct"]) for option in draft.fields["options"]] == [
        ("You must stay with your luggage at all times.", True),
        ("Do not let someone else look after your luggage.", False),
        ("Remember your luggage when you leave.", False)]
    assert (draft.fields["marks"], draft.fields["negative_marks"], draft.fields["difficulty"]) == (1.0, 0.0, "MEDIUM")


def test_a_multiple_choice_mapping_gives_marks_and_part_marks():
    draft = _only(_parse("ims/choice_multiple.xml"))
    assert draft.fields["type"] == "MCA"
    assert [option["html"] for option in draft.fields["options"] if option["correct"]] == ["Hydrogen", "Oxygen"]
    # Hydrogen and Oxygen map to 1 each, Helium to -2, the lower bound 0: the negative is the lower bound.
    assert (draft.fields["marks"], draft.fields["partial_credit"], draft.fields["negative_marks"]) == (2.0, True, 0.0)


def test_a_text_entry_in_the_text_is_a_blank_with_the_mapped_answers():
    draft = _only(_parse("ims/text_entry.xml"))
    assert draft.fields["type"] == "FITB"
    assert "Made glorious summer by this sun of [[1]];" in draft.fields["stem"]
    assert draft.fields["blanks"] == [{"accepted": ["York", "york"], "case_sensitive": True}]


def test_an_inline_choice_is_a_blank_with_its_choices():
    draft = _only(_parse("ims/inline_choice.xml"))
    assert draft.fields["type"] == "FITB"
    assert draft.fields["blanks"] == [{"accepted": ["York"], "choices": ["Gloucester", "Lancaster", "York"],
                                       "case_sensitive": True}]


def test_a_match_is_a_matching_of_premises_to_targets():
    draft = _only(_parse("ims/match.xml"))
    assert draft.fields["type"] == "MATCHING"
    assert [(option["html"], option["match"]) for option in draft.fields["options"]] == [
        ("Capulet", 1), ("Demetrius", 0), ("Lysander", 0), ("Prospero", 2)]
    assert [target["html"] for target in draft.fields["targets"]] == [
        "A Midsummer-Night's Dream", "Romeo and Juliet", "TheTempest"]
    assert (draft.fields["marks"], draft.fields["partial_credit"]) == (3.0, True)


def test_an_order_is_an_ordering_in_the_correct_order():
    draft = _only(_parse("ims/order.xml"))
    assert draft.fields["type"] == "ORDERING"
    assert [option["html"] for option in draft.fields["options"]] == [
        "Michael Schumacher", "Rubens Barrichello", "Jenson Button"]
    assert (draft.fields["marks"], draft.fields["partial_credit"]) == (1.0, False)
    partial = _only(_parse("ims/order_partial_scoring.xml"))
    assert (partial.fields["marks"], partial.fields["partial_credit"]) == (2.0, True)


def test_an_extended_text_is_an_essay_and_an_upload_a_file_upload():
    essay = _only(_parse("ims/extended_text.xml"))
    assert essay.fields["type"] == "LONG_ANSWER"
    assert essay.fields["stem"].startswith("<p>Read this postcard from your English pen-friend, Sam.</p>")
    upload = _only(_parse("ims/upload.xml"))
    assert upload.fields["type"] == "FU"
    assert upload.fields["answer_file"] == {"kinds": ["pdf", "image", "audio", "document"], "max_mb": 10}


def test_modal_feedback_is_the_explanation_and_inline_feedback_leaves_the_options():
    draft = _only(_parse("ims/feedback.xml"))
    assert draft.fields["explanation"] == "<p>Yes, that is correct.</p><p>No, the correct answer is Vicente Fox.</p>"
    assert [option["html"] for option in draft.fields["options"]] == [
        "George W Bush", "Tony Blair", "Vicente Fox", "Ariel Sharon"]


@pytest.mark.parametrize("name, reason", [
    ("ims/hotspot.xml", "Proctora has no question type for the QTI interaction hotspotInteraction."),
    ("ims/slider.xml", "Proctora has no question type for the QTI interaction sliderInteraction."),
    ("ims/adaptive.xml", "Adaptive items (several attempts with changing feedback) cannot be imported."),
])
def test_items_proctora_cannot_hold_are_skipped_with_the_reason(name, reason):
    draft = _only(_parse(name))
    assert (draft.skipped, draft.fields) == (reason, {})
    assert draft.ref


def test_a_content_package_gives_its_items_its_test_and_the_pictures_they_show():
    bank = _parse("WebDeveloperTest1.zip")
    assert bank.problems == []
    assert [draft.fields["type"] for draft in bank.items] == ["MCQ", "MCQ", "MCQ", "MCQ", "MCA", "MCQ", "MCQ",
                                                              "FITB", "MCA"]
    # Its items share identifiers ("choice"): the second and later are named by their file.
    refs = [draft.ref for draft in bank.items]
    assert refs == ["choice", "question2.xml", "question3.xml", "question4.xml", "choiceMultiple",
                    "question6.xml", "question7.xml", "inlineChoice", "question9.xml"]
    [test] = bank.tests
    assert (test.title, test.sections) == ("Web Developer Website", [("Electronics and Computer Science", refs)])
    with zipfile.ZipFile(FIXTURES / "WebDeveloperTest1.zip") as archive:
        assert bank.media == {"directory.jpg": archive.read("directory.jpg")}
    assert '<img src="directory.jpg" alt="File Directory">' in bank.items[3].fields["stem"]
    # Markup written as text in an option stays text.
    assert bank.items[2].fields["options"][2]["html"] == '&lt;img src = "myimage.jpg" /&gt;'
    cloze = bank.items[7].fields
    assert "has to be [[1]] , with the words being separated by the [[2]] symbol." in cloze["stem"]
    assert [(blank["accepted"], blank["choices"]) for blank in cloze["blanks"]] == [
        (["in lower case"], ["in upper case", "in lower case"]),
        (["underline (_)"], ["dash (-)", "underline (_)", "full stop (.)"])]
    # Its processing adds a mark per blank.
    assert cloze["partial_credit"] is True


def test_a_qti_3_package_reads_as_qti_2_and_skips_what_it_cannot_hold():
    folder = FIXTURES / "qti3-examples"
    bank = qti.parse("examples.zip", _package(folder))
    assert bank.problems == []
    kinds = {draft.ref: draft.skipped or draft.fields["type"] for draft in bank.items}
    assert {ref: kind for ref, kind in kinds.items() if not kind.startswith(("Proctora", "The item"))} == {
        "ITM-choice": "MCQ", "ITM-choice_multiple": "MCA", "ITM-extended_text": "LONG_ANSWER",
        "ITM-text_entry": "FITB", "ITM-inline_choice": "FITB", "ITM-match": "MATCHING", "ITM-math": "MCQ",
        "ITM-order": "ORDERING"}
    assert kinds["ITM-info_start"] == "The item has no interaction: there is nothing to answer."
    assert kinds["ITM-gap_match"] == "Proctora has no question type for the QTI interaction gapMatchInteraction."
    assert len(bank.items) == 17
    # The pictures' references are resolved to the package's paths ("../img/sign.png" from items/).
    assert bank.media["img/sign.png"] == (folder / "img" / "sign.png").read_bytes()
    drafts = {draft.ref: draft for draft in bank.items}
    assert '<img src="img/sign.png" alt="NEVER LEAVE LUGGAGE UNATTENDED">' in drafts["ITM-choice"].fields["stem"]
    assert drafts["ITM-math"].fields["stem"] == "<p>Which famous scientist is popularly associated with the equation E = m c 2 ?</p>"
    assert [section for section, _refs in bank.tests[0].sections] == ["examples-a1", "examples-a2"]


def test_a_qti_3_item_alone_is_read_and_a_test_alone_is_refused():
    draft = _only(_parse("qti3-examples/items/text_entry.xml"))
    assert (draft.ref, draft.fields["type"]) == ("ITM-text_entry", "FITB")
    bank = _parse("qti3-examples/assessment.xml")
    assert [problem.message for problem in bank.problems] == [
        "The test refers to its items in other files: upload the whole content package (zip) instead."]


# --- what the reader makes of shapes the samples lack ---------------------------------------------------

def test_a_lone_float_entry_is_numeric_with_the_tolerance_of_its_processing():
    data = _item('<p>g in m/s2?</p><p><textEntryInteraction responseIdentifier="R"/></p>',
                 '<responseDeclaration identifier="R" cardinality="single" baseType="float"><correctResponse>'
                 '<value>9.81</value></correctResponse></responseDeclaration>',
                 '<responseProcessing><responseCondition><responseIf><equal toleranceMode="relative" tolerance="2 2">'
                 '<variable identifier="R"/><correct identifier="R"/></equal><setOutcomeValue identifier="SCORE">'
                 '<baseValue baseType="float">3</baseValue></setOutcomeValue></responseIf><responseElse>'
                 '<setOutcomeValue identifier="SCORE"><baseValue baseType="float">-1</baseValue></setOutcomeValue>'
                 '</responseElse></responseCondition></responseProcessing>')
    draft = _only(qti.parse("g.xml", data))
    assert draft.fields["type"] == "NUMERIC"
    assert draft.fields["accepted_answers"] == ["9.81"]
    assert draft.fields["matching"] == {"tolerance": "2", "tolerance_percent": True, "unit_required": False}
    assert (draft.fields["marks"], draft.fields["negative_marks"]) == (3.0, -1.0)


def test_a_text_entry_in_a_block_of_its_own_is_a_short_answer():
    data = _item('<p>Name a colour.</p><div><textEntryInteraction responseIdentifier="R"/></div>',
                 '<responseDeclaration identifier="R" cardinality="single" baseType="string"><mapping>'
                 '<mapEntry mapKey="red" mappedValue="1" caseSensitive="false"/><mapEntry mapKey="blue" '
                 'mappedValue="1" caseSensitive="false"/></mapping></responseDeclaration>')
    draft = _only(qti.parse("colour.xml", data))
    assert (draft.fields["type"], draft.fields["accepted_answers"], draft.fields["case_sensitive"]) == (
        "SHORT_ANSWER", ["red", "blue"], False)
    assert draft.fields["stem"] == "<p>Name a colour.</p>"


def test_true_and_false_in_any_of_a_few_languages_make_a_true_false_item_true_first():
    data = _item('<choiceInteraction responseIdentifier="R" maxChoices="1"><prompt>Die Erde ist flach.</prompt>'
                 '<simpleChoice identifier="F">Falsch</simpleChoice><simpleChoice identifier="W">Wahr</simpleChoice>'
                 '</choiceInteraction>',
                 '<responseDeclaration identifier="R" cardinality="single" baseType="identifier"><correctResponse>'
                 '<value>F</value></correctResponse></responseDeclaration>')
    draft = _only(qti.parse("tf.xml", data))
    assert draft.fields["type"] == "TRUE_FALSE"
    assert draft.fields["options"] == [{"html": "Wahr", "correct": False}, {"html": "Falsch", "correct": True}]
    assert draft.fields["stem"] == "<p>Die Erde ist flach.</p>"


def test_objects_become_pictures_and_players():
    body = ('<p><object type="image/png" data="cat.png">A cat</object><object type="audio/mpeg" data="a.mp3">'
            'Listen</object><video><source src="v.mp4" type="video/mp4"/></video></p>'
            '<extendedTextInteraction responseIdentifier="R"/>')
    draft = _only(qti.parse("media.xml", _item(body)))
    assert draft.fields["stem"] == ('<p><img src="cat.png" alt="A cat"><audio controls="controls" src="a.mp3">'
                                    '</audio><video controls="controls" src="v.mp4"></video></p>')


LISTENING_DECLARATIONS = ('<responseDeclaration identifier="R" cardinality="single" baseType="identifier">'
                          '<correctResponse><value>b</value></correctResponse></responseDeclaration>'
                          '<responseDeclaration identifier="PLAYS" cardinality="single" baseType="integer"/>')


@pytest.mark.parametrize("max_plays, limit", [("2", ' data-max-plays="2"'), ("0", ""), ("", "")])
def test_a_media_interaction_is_the_listening_item_s_player_limited_to_its_plays(max_plays, limit):
    plays = f' maxPlays="{max_plays}"' if max_plays else ""
    body = (f'<mediaInteraction responseIdentifier="PLAYS" autostart="false"{plays}><prompt>Listen twice.</prompt>'
            '<object type="audio/x-wav" data="media/dialogue.wav"/></mediaInteraction>'
            '<choiceInteraction responseIdentifier="R" maxChoices="1"><prompt>Where are they?</prompt>'
            '<simpleChoice identifier="a">At home</simpleChoice><simpleChoice identifier="b">At a station</simpleChoice>'
            '</choiceInteraction>')
    draft = _only(qti.parse("listening.xml", _item(body, LISTENING_DECLARATIONS,
                                                     '<responseProcessing template="http://www.imsglobal.org/question/'
                                                     'qti_v2p1/rptemplates/match_correct"/>')))
    assert draft.fields["type"] == "MCQ"
    assert draft.fields["stem"] == (f'<div><p>Listen twice.</p><audio controls="controls" src="media/dialogue.wav"{limit}>'
                                    '</audio></div><p>Where are they?</p>')
    assert [option["correct"] for option in draft.fields["options"]] == [False, True]


@pytest.mark.parametrize("body, reason", [
    ('<choiceInteraction responseIdentifier="A" maxChoices="1"><simpleChoice identifier="x">x</simpleChoice>'
     '</choiceInteraction><extendedTextInteraction responseIdentifier="B"/>',
     "The item mixes interactions of different kinds (choiceInteraction, extendedTextInteraction)."),
    ('<extendedTextInteraction responseIdentifier="A"/><extendedTextInteraction responseIdentifier="B"/>',
     "The item has several extendedTextInteraction interactions."),
    ('<choiceInteraction responseIdentifier="A" maxChoices="1"><simpleChoice identifier="x">x</simpleChoice>'
     '</choiceInteraction>', "The item has no correct answer."),
    ('<p>Read this.</p>', "The item has no interaction: there is nothing to answer."),
])
def test_items_of_other_shapes_are_skipped_with_the_reason(body, reason):
    assert _only(qti.parse("odd.xml", _item(body))).skipped == reason


def test_skip_reasons_and_problems_are_in_the_readers_language(app):
    from flask_babel import force_locale
    with app.test_request_context(), force_locale("de"):
        skipped = _only(_parse("ims/hotspot.xml")).skipped
        problem = _parse("NotContentPackage.zip").problems[0].message
    assert "hotspotInteraction" in skipped and "Proctora has no question type" not in skipped
    assert "imsmanifest.xml" in problem and "it is no IMS content package" not in problem


# --- broken packages: QTIWorks' invalid samples and others --------------------------------------------

@pytest.mark.parametrize("name, file, message", [
    ("BadManifest.zip", "BadManifest.zip: imsmanifest.xml", "The file is not well-formed XML (line 3): "),
    ("MissingFile.zip", "MissingFile.zip: imsmanifest.xml",
     "The manifest refers to missing.xml, which is not in the package."),
    ("ExternalHref.zip", "ExternalHref.zip: imsmanifest.xml",
     "The manifest refers to ../outside.xml, which is not in the package."),
    ("NotContentPackage.zip", "NotContentPackage.zip",
     "The package has no imsmanifest.xml: it is no IMS content package."),
    ("BadMix.zip", "BadMix.zip: question1.xml", "The file is not a QTI test: its root element is assessmentItem."),
    ("ZipSlip.zip", "ZipSlip.zip: ../etc/", "The entry's path leads outside the package."),
])
def test_a_broken_package_is_a_problem_naming_the_file(name, file, message):
    bank = _parse(name)
    assert [(problem.file, problem.message[:len(message)]) for problem in bank.problems][:1] == [(file, message)]


def test_a_missing_picture_is_a_problem_naming_the_item():
    item = _item('<p><img src="../img/gone.png" alt="gone"/></p><extendedTextInteraction responseIdentifier="R"/>',
                 identifier="essay")
    bank = qti.parse("p.zip", _zip({"imsmanifest.xml": MANIFEST, "items/one.xml": item}))
    assert [(problem.file, problem.message, problem.item) for problem in bank.problems] == [
        ("p.zip: items/one.xml", "The item refers to ../img/gone.png, which is not in the package.", "essay")]


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04 this is no zip", "The file is not a zip file, or the zip file is damaged."),
    (b"<assessmentItem><itemBody>", "The file is not well-formed XML (line 1): "),
    (b"<html><body>Hello</body></html>", "The file is not a QTI item or test: its root element is html."),
    (b"Question one {=yes ~no}", "The file is neither a QTI content package nor a QTI item or test."),
])
def test_a_file_of_another_kind_is_a_problem(data, message):
    [problem] = qti.parse("upload.bin", data).problems
    assert (problem.file, problem.message[:len(message)]) == ("upload.bin", message)


# --- hostile files -------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x"><itemBody><p>&lol9;</p>
<extendedTextInteraction responseIdentifier="R"/></itemBody></assessmentItem>"""
OUTSIDE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE item [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x"><itemBody><p>&secret;</p>
<extendedTextInteraction responseIdentifier="R"/></itemBody></assessmentItem>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, OUTSIDE_FILE], ids=["billion laughs", "external entity"])
def test_entities_are_refused_never_expanded(data):
    for bank in (qti.parse("evil.xml", data), qti.parse("evil.zip", _zip({"imsmanifest.xml": MANIFEST,
                                                                            "items/one.xml": data}))):
        # libxml2 itself stops the laughs (amplification); any entity declared past that is refused by us.
        [problem] = bank.problems
        assert problem.message in ("The file declares XML entities, which are refused for safety.",
                                   "The file is not well-formed XML (line 1): Maximum entity amplification factor "
                                   "exceeded, see xmlCtxtSetMaxAmplification., line 1, column 7")
        assert problem.file in ("evil.xml", "evil.zip: items/one.xml")
        assert bank.items == [] and "root:" not in repr(bank)


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        with archive.open("items/one.xml", "w", force_zip64=True) as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(files.MAX_UNPACKED_MB + 1):
                entry.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    assert [problem.message for problem in qti.parse("bomb.zip", data).problems] == [
        "The package's files take more than 200 MB unpacked."]


def test_too_many_entries_and_too_large_a_file_are_refused():
    crowded = _zip({"imsmanifest.xml": MANIFEST, **{f"f{number}.txt": b"" for number in range(files.MAX_ENTRIES)}})
    assert [problem.message for problem in qti.parse("crowded.zip", crowded).problems] == [
        "The package holds more than 5000 files."]
    huge = b"<assessmentItem>" + b" " * (files.MAX_FILE_MB * files.MB)
    assert [problem.message for problem in qti.parse("huge.xml", huge).problems] == [
        "The file is larger than 50 MB."]


# --- detection ----------------------------------------------------------------------------------------

def test_detect_knows_packages_and_items_and_nothing_else():
    assert qti.detect("p.zip", (FIXTURES / "WebDeveloperTest1.zip").read_bytes())
    assert qti.detect("q.xml", (FIXTURES / "ims" / "choice.xml").read_bytes())
    assert qti.detect("q.xml", (FIXTURES / "qti3-examples" / "items" / "order.xml").read_bytes())
    assert qti.detect("t.xml", (FIXTURES / "qti3-examples" / "assessment.xml").read_bytes())
    assert not qti.detect("p.zip", (FIXTURES / "NotContentPackage.zip").read_bytes())
    assert not qti.detect("q.xml", b'<?xml version="1.0"?><quiz><question type="truefalse"/></quiz>')
    assert not qti.detect("q.csv", b"type,stem\nMCQ,Hello\n")


def test_scores_that_are_no_numbers_fall_back_to_one_mark():
    data = _item('<extendedTextInteraction responseIdentifier="R"/>',
                 '<outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float"><defaultValue>'
                 '<value>inf</value></defaultValue></outcomeDeclaration>')
    assert _only(qti.parse("essay.xml", data)).fields["marks"] == 1.0


def test_a_qti_2_2_item_reads_as_2_1_and_its_feedback_block_is_the_explanation():
    data = _item('<p>Pick one.</p><choiceInteraction responseIdentifier="R" maxChoices="1">'
                 '<simpleChoice identifier="a">A</simpleChoice><simpleChoice identifier="b">B</simpleChoice>'
                 '</choiceInteraction><feedbackBlock outcomeIdentifier="FEEDBACK" identifier="x" showHide="show">'
                 '<p>A is first.</p></feedbackBlock>',
                 '<responseDeclaration identifier="R" cardinality="single" baseType="identifier"><correctResponse>'
                 '<value>a</value></correctResponse></responseDeclaration>').replace(b"v2p1", b"v2p2")
    assert qti.detect("q.xml", data)
    draft = _only(qti.parse("q.xml", data))
    assert (draft.fields["type"], draft.fields["stem"], draft.fields["explanation"]) == (
        "MCQ", "<p>Pick one.</p>", "<p>A is first.</p>")
