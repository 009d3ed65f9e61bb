"""Moodle XML (https://docs.moodle.org/en/Moodle_XML_format): a `<quiz>` of `<question type=...>`, read into
item drafts and written from questions, so a bank goes to Moodle and comes back.

Reading: category questions set the skill of the questions after them (moodle_items.py says how each
Moodle kind becomes an item). Files travel inside the XML as `<file name="cat.png" encoding="base64">`
next to the text that shows them as `@@PLUGINFILE@@/cat.png`; the reader puts the bytes in the bank's
media under "cat.png" and rewrites the src to that reference (a name two questions use for different
bytes becomes "<question number>/cat.png" for the second). Cloze codes (`{1:SHORTANSWER:=went~%50%go}`)
become [[n]] blanks; gap-select and drag-and-drop-into-text gaps become blanks with choices; ordering
items (qtype_ordering) keep their answers' order. What Proctora has no type for (descriptions, calculated,
random, drag-and-drop onto images, ...) is a draft skipped with the reason. Moodle 1.9's picture field
(`<image>` with `<image_base64>`) is read as a file shown below the question text.

Safety: the XML is read by files.py (no entity expanded, no DTD loaded, nothing fetched; a file declaring
entities is refused) within its limits; the embedded files count as a package's entries.

Writing follows Moodle's exporter (question/format/xml/format.php): a category question per skill
(`$course$/top/<title>/<skill>`), then the skill's questions, each text in CDATA with its files in
base64 beside it. An MCA, matching or cloze item without partial credit carries the question tag
`proctora-all-or-nothing` (Moodle grades those in parts and keeps tags). A cloze item's blanks are
subquestions of weight 1, so Moodle gives it a mark per blank; its own marks travel as its default grade,
which this reader keeps. What Moodle has no place for is lost on the way: negative marks of other types
than multiple choice, a tolerance in per cent (written as each number's absolute tolerance), matching
options but the case, and a short answer without accepted answers (written as an essay)."""
from __future__ import annotations

import base64
import binascii
import html as html_lib
import posixpath
import re
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import unquote

from flask_babel import gettext as _
from lxml import etree

from webapp.bank.formats import files
from webapp.bank.formats import moodle_items as items
from webapp.bank.formats.moodle_items import Answer
from webapp.bank.interchange import MediaSource, ParsedBank, Problem
from webapp.bank.sanitize import first_words, plain_text

PLUGINFILE = "@@PLUGINFILE@@/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)
_QUIZ_ROOT = re.compile(rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*\?>)?\s*(<!--.*?-->\s*)*<quiz[\s>/]", re.DOTALL)
_PLUGINFILE_SRC = re.compile(r"""(src|href)=(["'])@@PLUGINFILE@@/([^"']*)\2""")
# A link to a recording of the question's files, which Moodle's media filter shows as a player.
_MEDIA_LINK = re.compile(r"""<a\s[^>]*?href=(["'])(@@PLUGINFILE@@/[^"']+\."""
                         r"""(mp3|ogg|oga|wav|m4a|aac|flac|mp4|webm|ogv|mov))\1[^>]*>(.*?)</a>""",
                         re.IGNORECASE | re.DOTALL)
_VIDEO = {"mp4", "webm", "ogv", "mov"}
# {weight:TYPE:answers}: a cloze subquestion; "\}" inside the answers is a brace, not the end.
_CLOZE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^\\}])*)\}")
_TYPED = {"SHORTANSWER", "SA", "MW"}
_TYPED_CASE = {"SHORTANSWER_C", "SAC", "MWC"}
_NUMERICAL = {"NUMERICAL", "NM"}
_CHOICE = {"MULTICHOICE", "MC", "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH", "MULTICHOICE_S", "MCS",
           "MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS"}
_CLOZE_ESCAPES = re.compile(r"\\([\\~}#/\"{=%:*])")
_UNESCAPED_TILDE = re.compile(r"(?<!\\)~")
_UNESCAPED_HASH = re.compile(r"(?<!\\)#")


def detect(filename: str, data: bytes) -> bool:
    """A Moodle XML file: its root element is <quiz>."""
    return bool(_QUIZ_ROOT.match(data[:4096]))


def parse(filename: str, data: bytes) -> ParsedBank:
    bank = ParsedBank(format="moodle")
    try:
        if problem := files.too_large(filename, data):
            raise files.Refused(problem)
        root = files.parse_xml(filename, data)
    except files.Refused as refused:
        bank.problems.append(refused.problem)
        return bank
    if root.tag != "quiz":
        bank.problems.append(Problem(filename, _(
            "The file is no Moodle XML: its root element is <%(root)s>, not <quiz>.", root=str(root.tag))))
        return bank
    _Reader(filename, bank).read(root)
    return bank


class _Reader:
    def __init__(self, filename: str, bank: ParsedBank):
        self.filename = filename
        self.bank = bank
        self.skill: str | None = None
        self.refs: set[str] = set()
        self.media_bytes = 0

    def read(self, root) -> None:
        questions = root.findall("question")
        if sum(question.get("type") != "category" for question in questions) > files.MAX_ITEMS:
            self.bank.problems.append(Problem(self.filename, _("The file holds more than %(limit)s items.",
                                                               limit=files.MAX_ITEMS)))
            return
        for number, question in enumerate(questions, start=1):
            if question.get("type") == "category":
                self.skill = items.skill_from_category(_text(question, "category"))
                continue
            references = self._files(question, number)
            if self.bank.problems:
                return
            self.bank.items.append(self._item(question, number, references))

    def _ref(self, question, number: int) -> str:
        return items.unique_ref(plain_text(_text(question, "name")) or _("Question %(number)d", number=number),
                                self.refs)

    def _files(self, question, number: int) -> dict[str, str]:
        """The question's embedded files into the bank's media; returns their paths -> media references.
        Moodle 1.9's one picture per question (<image> and <image_base64>) is one of them."""
        embedded = [(posixpath.join((element.get("path") or "/").strip("/"), element.get("name") or ""), element.text)
                    for element in question.iter("file")]
        if (question.findtext("image") or "").strip() and question.find("image_base64") is not None:
            embedded.append((question.findtext("image").strip(), question.findtext("image_base64")))
        references = {}
        for name, encoded in embedded:
            try:
                content = base64.b64decode("".join((encoded or "").split()), validate=True)
            except (binascii.Error, ValueError):
                self.bank.problems.append(Problem(self.filename, _("The embedded file %(name)s is not valid base64.",
                                                                   name=name)))
                return references
            self.media_bytes += len(content)
            # The embedded files are the file's entries, as a package's: as many and as large.
            if len(self.bank.media) >= files.MAX_ENTRIES or self.media_bytes > files.MAX_UNPACKED_MB * files.MB:
                self.bank.problems.append(Problem(self.filename, _(
                    "The embedded files exceed the limits: at most %(files)d files and %(size)d MB.",
                    files=files.MAX_ENTRIES, size=files.MAX_UNPACKED_MB)))
                return references
            reference = name
            if self.bank.media.get(reference, content) != content:
                reference = f"{number}/{name}"
            self.bank.media[reference] = content
            references[name] = reference
        return references

    def _item(self, question, number: int, references: dict[str, str]):
        ref = self._ref(question, number)
        kind = question.get("type") or ""

        def html(element) -> str:
            if element is None:
                return ""
            text = _MEDIA_LINK.sub(_player, items.to_html(_text(element), element.get("format")))
            return _PLUGINFILE_SRC.sub(lambda match: f'{match[1]}="{reference(unquote(match[3]))}"', text)

        def reference(path: str) -> str:
            return references.get(path, path)

        stem = html(question.find("questiontext"))
        if picture := (question.findtext("image") or "").strip():
            stem += f'<p><img src="{html_lib.escape(reference(picture))}" alt="{html_lib.escape(picture)}"></p>'
        fields = items.base_fields("", stem, _float(_text(question, "defaultgrade"), 1.0),
                                   html(question.find("generalfeedback")))
        partial = items.ALL_OR_NOTHING_TAG not in {_text(tag).strip() for tag in question.findall("tags/tag")}
        answers = [Answer(html(answer), _float(answer.get("fraction"), 0.0), _text(answer, "tolerance") or "0")
                   for answer in question.findall("answer")]
        reason = None
        if kind == "multichoice":
            # Moodle takes a multichoice without <single> as single-answer.
            single = _text(question, "single").strip().lower() or "true"
            reason = items.choice_fields(fields, answers, single in ("true", "1"))
            if fields.get("type") == "MCA" and not partial:
                fields["partial_credit"] = False
        elif kind == "truefalse":
            verdicts = {plain_text(answer.html).lower(): answer.fraction >= 100 for answer in answers}
            if verdicts.get("true") == verdicts.get("false"):
                reason = _("A true/false question needs exactly one of true and false to earn full marks.")
            else:
                items.true_false_fields(fields, bool(verdicts.get("true")))
        elif kind == "shortanswer":
            reason = items.short_answer_fields(fields, answers, _text(question, "usecase").strip() == "1")
        elif kind == "numerical":
            reason = items.numeric_fields(fields, answers, *_units(question))
        elif kind == "matching":
            pairs = [(html(sub), plain_text(_text(sub, "answer"))) for sub in question.findall("subquestion")]
            reason = items.matching_fields(fields, pairs, partial_credit=partial)
        elif kind == "essay":
            if _text(question, "responseformat") == "noinline" and _int(_text(question, "attachments")) != 0:
                items.file_upload_fields(fields, _text(question, "filetypeslist"), _int(_text(question, "maxbytes")))
            else:
                items.essay_fields(fields)
            fields["explanation"] += html(question.find("graderinfo"))
        elif kind in ("cloze", "multianswer"):
            reason = _cloze_fields(fields, partial)
        elif kind in ("gapselect", "ddwtos"):
            reason = _gap_fields(fields, question, "selectoption" if kind == "gapselect" else "dragbox", partial)
        elif kind == "ordering":
            reason = _ordering_fields(fields, question, html)
        elif kind == "description":
            reason = _("A description holds no question to answer.")
        else:
            reason = _("Moodle's question type “%(type)s” has no equivalent in Proctora.", type=kind)
        return items.draft(ref, self.skill, None if reason else fields, skipped=reason)


def _player(match: re.Match) -> str:
    """A link to a recording as the link's words and the player Moodle would show."""
    tag = "video" if match[3].lower() in _VIDEO else "audio"
    return f'{match[4]} <{tag} controls src="{match[2]}"></{tag}>'


def _text(element, path: str | None = None) -> str:
    """The text of an element's <text> child (of the element at `path` below it)."""
    if path is not None:
        element = element.find(path)
    if element is None:
        return ""
    text = element.find("text")
    return (text.text if text is not None else element.text) or ""


def _float(value, default: float) -> float:
    parsed = items.number(value) if value not in (None, "") else None
    return float(parsed) if parsed is not None else default


def _int(value) -> int:
    parsed = items.number(value) if value else None
    return int(parsed) if parsed is not None else 0


def _units(question) -> tuple[list[dict], bool]:
    """A numerical question's units, the base (multiplier 1) first, and whether an answer must name one."""
    if _text(question, "showunits").strip() == "3":   # Moodle: units not used
        return [], False
    units = []
    for unit in question.findall("units/unit"):
        name = (unit.findtext("unit_name") or "").strip()
        multiplier = items.number(unit.findtext("multiplier") or "1")
        if name and multiplier:
            units.append((multiplier != 1, {"unit": name, "factor": float(Decimal(1) / multiplier)}))
    units.sort(key=lambda entry: entry[0])
    return [unit for _, unit in units], _text(question, "unitgradingtype").strip() in ("1", "2")


def _cloze_answers(code: str) -> list[Answer]:
    answers = []
    for part in _UNESCAPED_TILDE.split(code):
        fraction = 0.0
        if part.startswith("="):
            fraction, part = 100.0, part[1:]
        elif match := re.match(r"%(-?\d+(?:\.\d+)?)%", part):
            fraction, part = float(match[1]), part[match.end():]
        value = _UNESCAPED_HASH.split(part, maxsplit=1)[0]
        tolerance = "0"
        if ":" in value and items.number(value.rsplit(":", 1)[1]) is not None:
            value, tolerance = value.rsplit(":", 1)
        answers.append(Answer(_CLOZE_ESCAPES.sub(r"\1", value).strip(), fraction, tolerance))
    return answers


def _cloze_fields(fields: dict, partial: bool) -> str | None:
    """A cloze question's codes as [[n]] blanks, numbered in the order of the text."""
    blanks: list[dict] = []
    left_out: list[str] = []
    reasons: list[str] = []

    def blank(match: re.Match) -> str:
        kind, answers = match[2], _cloze_answers(match[3])
        number = len(blanks) + 1
        if kind in _CHOICE:
            made, skipped, reason = items.blank(answers, choices=True)
        elif kind in _TYPED or kind in _TYPED_CASE:
            made, skipped, reason = items.blank(answers, choices=False, case_sensitive=kind in _TYPED_CASE)
        elif kind in _NUMERICAL:
            made, skipped, reason = items.numeric_blank(answers)
        else:
            made, skipped, reason = None, [], _("Blank %(number)d is of the kind %(kind)s, which a blank cannot hold.",
                                                number=number, kind=kind)
        if reason:
            reasons.append(reason)
            return match[0]
        blanks.append(made)
        left_out.extend(skipped)
        return f"[[{number}]]"

    stem = _CLOZE.sub(blank, fields["stem"])
    if reasons:
        return reasons[0]
    if not blanks:
        return _("The cloze text has no blanks.")
    fields.update(type="FITB", stem=stem, blanks=blanks, partial_credit=partial and len(blanks) > 1,
                  explanation=items.with_note(fields["explanation"], left_out))
    return None


def _gap_fields(fields: dict, question, choice_tag: str, partial: bool) -> str | None:
    """Gaps [[k]] (k: the right choice's number) as blanks offering their group's choices."""
    choices = [(plain_text(_text(choice)), _text(choice, "group").strip() or "1")
               for choice in question.findall(choice_tag)]
    blanks: list[dict] = []
    reasons: list[str] = []

    def gap(match: re.Match) -> str:
        right = int(match[1])
        if not 1 <= right <= len(choices):
            reasons.append(_("The gap [[%(number)d]] has no choice of that number.", number=right))
            return match[0]
        text, group = choices[right - 1]
        blanks.append({"accepted": [text], "case_sensitive": True,
                       "choices": [choice for choice, in_group in choices if in_group == group]})
        return f"[[{len(blanks)}]]"

    stem = re.sub(r"\[\[(\d+)\]\]", gap, fields["stem"])
    if reasons:
        return reasons[0]
    if not blanks:
        return _("The text has no gaps.")
    fields.update(type="FITB", stem=stem, blanks=blanks, partial_credit=partial and len(blanks) > 1)
    return None


def _ordering_fields(fields: dict, question, html) -> str | None:
    answers = sorted(((_float(answer.get("fraction"), 0.0), index, html(answer))
                      for index, answer in enumerate(question.findall("answer"))))
    if len(answers) < 2:
        return _("An ordering question needs at least two items.")
    fields.update(type="ORDERING", options=[{"html": html} for _, _, html in answers],
                  partial_credit=_text(question, "gradingtype").strip().upper() not in ("ALL_OR_NOTHING", "0"))
    return None


# --- Writing -------------------------------------------------------------------------------------------

_SRC = re.compile(r"""(src|href)=(["'])([^"']+)\2""")
_BLANK = re.compile(r"\[\[(\d+)\]\]")


def write(questions: list, media_source: MediaSource, title: str | None) -> tuple[bytes, str]:
    quiz = etree.Element("quiz")
    by_skill: dict[str, list] = {}
    for question in questions:
        by_skill.setdefault(question.skill.name if question.skill else "", []).append(question)
    for skill, skill_questions in by_skill.items():
        path = "/".join(["$course$", "top", *(_segment(name) for name in (title, skill) if name)])
        category = etree.SubElement(quiz, "question", type="category")
        _add_text(etree.SubElement(category, "category"), path)
        for question in skill_questions:
            _Writer(quiz, media_source).write(question)
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True), "xml"


def _segment(name: str) -> str:
    return name.replace("/", "//")


def _add_text(parent, text: str, *, cdata: bool = False):
    element = etree.SubElement(parent, "text")
    element.text = etree.CDATA(text) if cdata and text else text
    return element


def _add(parent, tag: str, value) -> None:
    etree.SubElement(parent, tag).text = str(value)


# The fractions Moodle accepts for an answer (question/format.php's grade list), in per cent.
MOODLE_GRADES = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
                 12.5, 11.11111, 10, 5, 0)


def _fraction(value: float) -> str:
    return items.number_text(round(Decimal(str(value)), 5))


def _grade(value: float) -> float:
    """The nearest fraction Moodle accepts (negative ones mirror the positive)."""
    nearest = min(MOODLE_GRADES, key=lambda grade: abs(grade - abs(value)))
    return -nearest if value < 0 else nearest


class _Writer:
    def __init__(self, quiz, media_source: MediaSource):
        self.quiz = quiz
        self.media_source = media_source

    def html(self, parent, tag: str, html: str, **attributes):
        """An HTML text element with its media as base64 files beside it, their src as @@PLUGINFILE@@."""
        element = etree.SubElement(parent, tag, format="html", **attributes)
        embedded: dict[str, bytes] = {}

        def embed(match: re.Match) -> str:
            found = self.media_source(match[3])
            if found is None:
                return match[0]
            name, content = found
            while name in embedded and embedded[name] != content:
                name = "_" + name
            embedded[name] = content
            return f'{match[1]}={match[2]}{PLUGINFILE}{name}{match[2]}'

        _add_text(element, _SRC.sub(embed, html or ""), cdata=True)
        for name, content in embedded.items():
            etree.SubElement(element, "file", name=name, path="/", encoding="base64").text = \
                base64.b64encode(content).decode("ascii")
        return element

    def write(self, question) -> None:
        kind = question.type.value
        moodle_type = {"MCQ": "multichoice", "MCA": "multichoice", "TRUE_FALSE": "truefalse",
                       "SHORT_ANSWER": "shortanswer" if question.accepted_answers else "essay",
                       "LONG_ANSWER": "essay", "FU": "essay", "NUMERIC": "numerical", "MATCHING": "matching",
                       "ORDERING": "ordering", "FITB": "cloze"}[kind]
        element = etree.SubElement(self.quiz, "question", type=moodle_type)
        # Moodle names each question: the stem's first words, a blank shown as a gap.
        name = first_words(_BLANK.sub("___", question.stem), 8) or f"Question {question.id}"
        _add_text(etree.SubElement(element, "name"), name)
        stem = _cloze_stem(question) if kind == "FITB" else question.stem
        self.html(element, "questiontext", stem)
        self.html(element, "generalfeedback", question.explanation)
        _add(element, "defaultgrade", _fraction(question.marks))
        _add(element, "penalty", "0")
        _add(element, "hidden", "0")
        getattr(self, "_" + moodle_type)(element, question)
        if kind in ("MCA", "MATCHING", "FITB") and not question.partial_credit:
            tags = etree.SubElement(element, "tags")
            _add_text(etree.SubElement(tags, "tag"), items.ALL_OR_NOTHING_TAG)

    def _answer(self, element, fraction: float, html: str, *, plain: bool = False):
        if plain:
            answer = etree.SubElement(element, "answer", fraction=_fraction(fraction), format="plain_text")
            _add_text(answer, html)
        else:
            answer = self.html(element, "answer", html, fraction=_fraction(fraction))
        _add_text(etree.SubElement(answer, "feedback", format="html"), "")
        return answer

    def _multichoice(self, element, question) -> None:
        correct = [option for option in question.options if option.get("correct")]
        penalty = _grade(max(-100.0, 100 * question.negative_marks / question.marks)) if question.marks else 0.0
        _add(element, "single", "true" if question.type.value == "MCQ" else "false")
        _add(element, "shuffleanswers", "true")
        _add(element, "answernumbering", "abc")
        for option in question.options:
            self._answer(element, _grade(100 / len(correct)) if option.get("correct") else penalty, option["html"])

    def _truefalse(self, element, question) -> None:
        true_is_right = bool(question.options and question.options[0].get("correct"))
        self._answer(element, 100 if true_is_right else 0, "true", plain=True)
        self._answer(element, 0 if true_is_right else 100, "false", plain=True)

    def _shortanswer(self, element, question) -> None:
        _add(element, "usecase", "1" if question.case_sensitive else "0")
        for accepted in question.accepted_answers:
            self._answer(element, 100, accepted.replace("*", "\\*"), plain=True)

    def _essay(self, element, question) -> None:
        upload = question.type.value == "FU"
        _add(element, "responseformat", "noinline" if upload else "editor")
        _add(element, "responserequired", "0" if upload else "1")
        _add(element, "responsefieldlines", "10")
        _add(element, "attachments", "1" if upload else "0")
        _add(element, "attachmentsrequired", "1" if upload else "0")
        if upload:
            kinds = (question.answer_file or {}).get("kinds") or list(items.FILE_KINDS)
            _add(element, "maxbytes", int((question.answer_file or {}).get("max_mb") or 10) * 1024 * 1024)
            groups = [items.FILE_KINDS[kind][0] for kind in kinds if kind in items.FILE_KINDS]
            _add(element, "filetypeslist", ",".join(groups))
        _add_text(etree.SubElement(element, "graderinfo", format="html"), "")
        _add_text(etree.SubElement(element, "responsetemplate", format="html"), "")

    def _numerical(self, element, question) -> None:
        matching = question.matching or {}
        tolerance = Decimal(str(matching.get("tolerance") or 0))
        for accepted in question.accepted_answers:
            value = Decimal(str(accepted))
            # Moodle's tolerance is absolute: a percentage becomes the share of each accepted number.
            absolute = abs(value) * tolerance / 100 if matching.get("tolerance_percent") else tolerance
            answer = self._answer(element, 100, items.number_text(value), plain=True)
            _add(answer, "tolerance", items.number_text(absolute))
        if question.units:
            units = etree.SubElement(element, "units")
            for unit in (unit for unit in question.units if unit.get("factor")):
                entry = etree.SubElement(units, "unit")
                _add(entry, "multiplier", items.number_text(Decimal(1) / Decimal(str(unit["factor"]))))
                _add(entry, "unit_name", unit["unit"])
        required = bool(matching.get("unit_required") and question.units)
        _add(element, "unitgradingtype", "1" if required else "0")
        _add(element, "unitpenalty", "1.0000000" if required else "0.1000000")
        _add(element, "showunits", "0" if question.units else "3")
        _add(element, "unitsleft", "0")

    def _matching(self, element, question) -> None:
        targets = {target["id"]: plain_text(target["html"]) for target in question.targets}
        _add(element, "shuffleanswers", "true")
        used = set()
        for option in question.options:
            used.add(option.get("match"))
            sub = self.html(element, "subquestion", option["html"])
            _add_text(etree.SubElement(sub, "answer"), targets.get(option.get("match"), ""))
        for target_id, target in targets.items():
            if target_id not in used:   # a distractor: an answer without a question
                _add_text(etree.SubElement(self.html(element, "subquestion", ""), "answer"), target)

    def _ordering(self, element, question) -> None:
        _add(element, "layouttype", "VERTICAL")
        _add(element, "selecttype", "ALL")
        _add(element, "selectcount", "0")
        _add(element, "gradingtype", "ABSOLUTE_POSITION" if question.partial_credit else "ALL_OR_NOTHING")
        _add(element, "showgrading", "SHOW")
        for position, option in enumerate(question.options, start=1):
            answer = self.html(element, "answer", option["html"], fraction=str(position))
            _add_text(etree.SubElement(answer, "feedback", format="html"), "")

    def _cloze(self, element, question) -> None:
        """The subquestions are in the question text (Moodle reads them from there)."""


def _cloze_escape(text: str) -> str:
    return re.sub(r"([\\~}#/\"])", r"\\\1", text)


def _cloze_code(blank: dict) -> str:
    if blank.get("choices"):
        right = set(blank.get("accepted") or [])
        return "{1:MULTICHOICE:" + "~".join(("=" if choice in right else "") + _cloze_escape(choice)
                                             for choice in blank["choices"]) + "}"
    tolerance = Decimal(str(blank.get("tolerance") or 0))
    accepted = blank.get("accepted") or []
    if tolerance and all(items.number(answer.replace(",", ".")) is not None for answer in accepted):
        return "{1:NUMERICAL:" + "~".join(f"={answer.replace(',', '.')}:{items.number_text(tolerance)}"
                                          for answer in accepted) + "}"
    kind = "SHORTANSWER_C" if blank.get("case_sensitive") else "SHORTANSWER"
    return "{1:" + kind + ":" + "~".join("=" + _cloze_escape(answer).replace("*", "\\*") for answer in accepted) + "}"


def _cloze_stem(question) -> str:
    blanks: Iterable[dict] = question.blanks or []
    codes = {str(number): _cloze_code(blank) for number, blank in enumerate(blanks, start=1)}
    return _BLANK.sub(lambda match: codes.get(match[1], match[0]), question.stem)
