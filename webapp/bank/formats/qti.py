"""IMS QTI in: assessmentItem and assessmentTest files of QTI 2.1 and 2.2, QTI 3.0's kebab-case
`qti-assessment-item`/`qti-assessment-test`, alone or in an IMS content package (a zip with imsmanifest.xml).

QTI 3.0 is read as 2.x once its names are turned back (`qti-choice-interaction` is `choiceInteraction`,
`max-choices` is `maxChoices`). What an item becomes, by its interaction:
- choiceInteraction: maxChoices 1 is MCQ (TRUE_FALSE when its two choices read "true" and "false"), else MCA;
- textEntryInteraction and inlineChoiceInteraction inside the text: FITB, one [[n]] blank each (an inline
  choice is a blank with `choices`); a lone text entry of baseType float or integer is NUMERIC (tolerance
  from an `equal` in the response processing); a lone text entry standing as a block of its own is a
  SHORT_ANSWER;
- matchInteraction (two simpleMatchSets: premises, then targets) MATCHING; orderInteraction ORDERING;
  extendedTextInteraction LONG_ANSWER; uploadInteraction FILE_UPLOAD; a mediaInteraction is no answer but
  the item's player, in the stem, limited to its maxPlays;
- any other interaction, several interactions of different kinds, adaptive items and items with template
  variables are skipped, with the reason.
Scoring: marks are the MAXSCORE outcome's default, else the mapping's upper bound (or its positive entries),
else the largest score the response processing sets, else 1. Negative marks are the mapping's or the
processing's negative scores. Part marks (`partial_credit`) where the mapping gives a choice or pair less than
the whole, or the processing sets several positive scores or adds up several conditions.
The body's text and the prompt are the stem; modal feedback and feedback blocks are the explanation.
Media keep their reference, as a path inside the package; their bytes go in ParsedBank.media."""
from __future__ import annotations

import copy
import math
import re
from html import escape

import nh3
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from lxml import etree

from webapp.bank.formats.files import (MAX_ITEMS, Package, Refused, is_zip, parse_xml, resolve, too_large,
                                       zip_names)
from webapp.bank.interchange import ItemDraft, ParsedBank, Problem, TestDraft
from webapp.bank.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, plain_text

FORMAT = "qti"
LABEL = _l("IMS QTI (2.1, 2.2, 3.0)")
ITEM_ROOTS = {"assessmentItem"}
TEST_ROOTS = {"assessmentTest"}
# The manifest's resource types of QTI items and tests (2.1, 2.2, 3.0).
TEST_RESOURCE = re.compile(r"imsqti_test_xmlv(2p1|2p2|3p0)")
QTI_RESOURCE = re.compile(r"imsqti_(item|test)_xmlv(2p1|2p2|3p0)")
BLANK_INTERACTIONS = {"textEntryInteraction", "inlineChoiceInteraction"}
SINGLE_INTERACTIONS = {"choiceInteraction", "matchInteraction", "orderInteraction", "extendedTextInteraction",
                       "uploadInteraction"}
# Two choices that read as these (any case) make a true/false item.
TRUE_WORDS = {"true", "wahr", "richtig", "vrai", "verdadero", "vero", "verdadeiro", "waar", "صح", "صحيح"}
FALSE_WORDS = {"false", "falsch", "faux", "falso", "onwaar", "خطأ", "خطا"}
UPLOAD_KINDS = {"application/pdf": "pdf", "image": "image", "audio": "audio"}
ALL_UPLOAD_KINDS = ["pdf", "image", "audio", "document"]
DEFAULT_UPLOAD_MB = 10
# QTI content that is no part of a stem: feedback shown by outcome, rubrics for scorers, printed variables.
DROPPED = {"feedbackInline", "feedbackBlock", "rubricBlock", "printedVariable", "templateInline",
           "templateBlock", "infoControl", "stylesheet", "endAttemptInteraction"}
# What a stem may hold on its way in: the sanitiser's formatting and the media elements the media module
# keeps once their src is one of ours (the import pipeline stores the files and rewrites the src).
EMPTY_BLOCK = re.compile(r"<(p|div)>\s*</\1>")
MEDIA_ATTRIBUTES = {"audio": {"src", "controls", "data-max-plays"},
                    "video": {"src", "controls", "width", "height", "data-max-plays"}}


# --- detection -------------------------------------------------------------------------------------------

_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_PROLOG = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", re.S)


def _root_name(data: bytes) -> str | None:
    head = _PROLOG.sub(b"", data[:8192].lstrip(b"\xef\xbb\xbf \t\r\n"))
    match = _ROOT.search(head)
    return _qti2_name(match[2].decode()) if match else None


def detect(filename: str, data: bytes) -> bool:
    if is_zip(data):
        return "imsmanifest.xml" in zip_names(data)
    return _root_name(data) in ITEM_ROOTS | TEST_ROOTS


# --- names: QTI 3.0 read as 2.x ---------------------------------------------------------------------------

def _camel(kebab: str) -> str:
    head, *rest = kebab.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _qti2_name(name: str) -> str:
    return _camel(name[4:]) if name.startswith("qti-") else name


def _normalised(root: etree._Element) -> etree._Element:
    """The tree without namespaces, QTI 3.0's names turned into QTI 2's."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        element.tag = _qti2_name(local)
        if local.startswith("qti-"):
            for name in list(element.attrib):
                value = element.attrib.pop(name)
                element.set(_camel(etree.QName(name).localname), value)
        else:
            for name in list(element.attrib):
                qname = etree.QName(name)
                if qname.namespace:
                    value = element.attrib.pop(name)
                    if qname.localname == "lang":
                        element.set("lang", value)
    etree.cleanup_namespaces(root)
    return root


def _children(element, name: str) -> list:
    return [child for child in element if child.tag == name]


def _child(element, name: str):
    return next(iter(_children(element, name)), None)


def _descendants(element, name: str) -> list:
    return list(element.iter(name))


# --- HTML ---------------------------------------------------------------------------------------------

def _inner_xml(element) -> str:
    # HTML serialisation: an empty <audio> or <p> keeps its end tag, which an HTML parser needs.
    return escape(element.text or "", quote=False) + "".join(
        etree.tostring(child, encoding="unicode", method="html", with_tail=True) for child in element)


def _clean(html: str) -> str:
    return nh3.clean(
        html.strip(),
        tags=ALLOWED_TAGS | {"audio", "video"},
        attributes={**ALLOWED_ATTRIBUTES, **MEDIA_ATTRIBUTES},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def _remove(element, replacement: str = "") -> None:
    """Takes the element out of the tree, leaving `replacement` and its tail text in its place."""
    parent = element.getparent()
    text = replacement + (element.tail or "")
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(element)


def _unwrap(element) -> None:
    """Replaces the element by its content."""
    parent = element.getparent()
    index = parent.index(element)
    children = list(element)
    if not children:
        _remove(element, element.text or "")
        return
    tail, element.tail = element.tail or "", None
    _remove(element, element.text or "")
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    children[-1].tail = (children[-1].tail or "") + tail


class _Media:
    """The media an item's HTML refers to: their hrefs resolved within the package, the bytes collected."""

    def __init__(self, package: Package | None, item_path: str):
        self.package = package
        self.item_path = item_path
        self.found: dict[str, bytes] = {}
        self.missing: list[str] = []

    def reference(self, href: str) -> str:
        if self.package is None:
            return href
        path = resolve(self.item_path, href)
        if path is None:
            return href
        if path not in self.package:
            self.missing.append(href)
            return href
        self.found[path] = self.package.read(path)
        return path


def _media_element(element, media: _Media) -> None:
    """QTI's media in the HTML we keep: `object` of an image type is an img, of audio or video type the
    player; HTML5 audio/video take the first source's src."""
    tag = element.tag
    plays = element.get("data-max-plays")
    if tag == "object":
        kind = (element.get("type") or "").split("/")[0]
        data = element.get("data") or ""
        text = " ".join("".join(element.itertext()).split())
        for child in list(element):
            element.remove(child)
        element.attrib.clear()
        element.text = None
        if kind == "image":
            element.tag = "img"
            element.set("src", media.reference(data))
            element.set("alt", text or data.rsplit("/", 1)[-1])
        elif kind in ("audio", "video"):
            element.tag = kind
            element.set("controls", "controls")
            element.set("src", media.reference(data))
        else:
            _remove(element, text)
    elif tag in ("audio", "video"):
        source = element.get("src") or next((s.get("src") for s in element.iter("source") if s.get("src")), "")
        for child in list(element):
            element.remove(child)
        element.text = None
        element.attrib.clear()
        element.set("controls", "controls")
        element.set("src", media.reference(source))
    elif tag == "img":
        element.set("src", media.reference(element.get("src") or ""))
    if plays and element.tag in ("audio", "video"):
        element.set("data-max-plays", plays)


def _html(element, media: _Media) -> str:
    """The element's content as the HTML of a stem, option or explanation."""
    copied = copy.deepcopy(element)
    for dropped in [found for found in copied.iter(*DROPPED) if found is not copied]:
        if dropped.getparent() is not None:
            _remove(dropped)
    # MathML is no HTML we keep: its text (or its alternative text) stays readable.
    for formula in [found for found in copied.iter("math") if found is not copied]:
        if formula.getparent() is not None:
            _remove(formula, formula.get("alttext") or " ".join("".join(formula.itertext()).split()))
    for found in list(copied.iter("object", "audio", "video", "img")):
        if found.getparent() is not None and found is not copied:
            _media_element(found, media)
    html = _clean(_inner_xml(copied))
    # The source's indentation is no text; a <pre> keeps its own. A block left empty by an interaction goes.
    html = html if "<pre" in html else re.sub(r"\s+", " ", html).replace("> <", "><").strip()
    return EMPTY_BLOCK.sub("", html)


# --- scoring ------------------------------------------------------------------------------------------

def _number(text) -> float | None:
    try:
        number = float(str(text).strip())
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class _Item:
    """One normalised assessmentItem and what its declarations and processing say."""

    def __init__(self, root, package: Package | None, path: str):
        self.root = root
        self.ref = root.get("identifier") or path
        self.media = _Media(package, path)
        self.responses = {declaration.get("identifier"): declaration
                          for declaration in _children(root, "responseDeclaration")}
        self.processing = _child(root, "responseProcessing")
        self.template = (self.processing.get("template") or self.processing.get("templateLocation") or ""
                         ) if self.processing is not None else ""
        self.body = _child(root, "itemBody")

    def correct(self, identifier: str) -> list[str]:
        declaration = self.responses.get(identifier)
        response = _child(declaration, "correctResponse") if declaration is not None else None
        return [(value.text or "").strip() for value in _children(response, "value")] if response is not None else []

    def mapping(self, identifier: str) -> tuple[list[tuple[str, float, bool | None]], etree._Element | None]:
        """The mapping's entries as (key, value, case sensitive or None when unsaid), and the mapping."""
        declaration = self.responses.get(identifier)
        mapping = _child(declaration, "mapping") if declaration is not None else None
        if mapping is None:
            return [], None
        entries = []
        for entry in _children(mapping, "mapEntry"):
            value = _number(entry.get("mappedValue"))
            case = entry.get("caseSensitive")
            entries.append(((entry.get("mapKey") or "").strip(), value or 0.0,
                            None if case is None else case.strip().lower() in ("true", "1")))
        return entries, mapping

    @property
    def max_score(self) -> float | None:
        """The MAXSCORE outcome's default value, where the item declares one above 0."""
        for outcome in _children(self.root, "outcomeDeclaration"):
            if outcome.get("identifier") == "MAXSCORE":
                value = _number(outcome.findtext("defaultValue/value"))
                if value and value > 0:
                    return value
        return None

    def _set_scores(self) -> list[float]:
        """The numbers the response processing sets SCORE to, wherever it sets one."""
        if self.processing is None:
            return []
        values = []
        for setting in self.processing.iter("setOutcomeValue"):
            if setting.get("identifier") == "SCORE":
                values += [number for base in setting.iter("baseValue") if (number := _number(base.text)) is not None]
        return values

    def scoring(self, identifier: str | None, several: bool) -> tuple[float, float, bool]:
        """(marks, negative marks, part marks) of the item; `several` when its response holds several
        values whose mapped values add up (a multiple choice, pairs)."""
        marks = negative = None
        part = False
        if "map_response" in self.template and identifier:
            entries, mapping = self.mapping(identifier)
            positive = [value for _key, value, _case in entries if value > 0]
            upper = _number(mapping.get("upperBound")) if mapping is not None else None
            if positive:
                marks = upper or (sum(positive) if several else max(positive))
                part = several and (len(positive) > 1 or any(value < marks for value in positive))
            penalties = [value for _key, value, _case in entries if value < 0]
            default = _number(mapping.get("defaultValue")) if mapping is not None else None
            if default is not None and default < 0:
                penalties.append(default)
            if penalties:
                lower = _number(mapping.get("lowerBound")) if mapping is not None else None
                negative = max(min(penalties), lower) if lower is not None else min(penalties)
        elif self.processing is not None and not self.template:
            scores = self._set_scores()
            positive = {value for value in scores if value > 0}
            if positive:
                marks = max(positive)
            if any(value < 0 for value in scores):
                negative = min(scores)
            part = (len(positive) > 1 or len(_descendants(self.processing, "responseCondition")) > 1
                    or bool(_descendants(self.processing, "sum")))
        marks = self.max_score or marks or 1.0
        return marks, min(negative or 0.0, 0.0), part

    def explanation(self) -> str:
        parts = [_html(feedback, self.media) for feedback in _children(self.root, "modalFeedback")]
        if self.body is not None:
            parts += [_html(block, self.media) for block in self.body.iter("feedbackBlock")]
        return "".join(f"<p>{part}</p>" if not part.startswith("<") else part for part in parts if part)


# --- items --------------------------------------------------------------------------------------------

class _Skip(Exception):
    pass


def _interactions(body) -> list:
    return [element for element in body.iter() if isinstance(element.tag, str) and element.tag.endswith("Interaction")]


def _stem(item: _Item, interactions: list, blanks: bool) -> str:
    """The body as HTML: each blank interaction a [[n]], any other replaced by its prompt."""
    body = copy.deepcopy(item.body)
    for number, interaction in enumerate(_interactions(body), start=1):
        if blanks:
            _remove(interaction, f"[[{number}]]")
            continue
        prompt = _child(interaction, "prompt")
        for child in list(interaction):
            if child is not prompt:
                interaction.remove(child)
        interaction.text = None
        if prompt is not None:
            prompt.tag = "p"
            prompt.attrib.clear()
            _unwrap(interaction)
        else:
            _remove(interaction)
    return _html(body, item.media)


def _fields(kind: str, stem: str, item: _Item, **more) -> dict:
    return {"type": kind, "difficulty": "MEDIUM", "stem": stem, "explanation": item.explanation(), **more}


def _choice(item: _Item, interaction) -> dict:
    identifier = interaction.get("responseIdentifier")
    choices = list(interaction.iter("simpleChoice"))
    entries, _mapping = item.mapping(identifier)
    correct = set(item.correct(identifier)) or {key for key, value, _case in entries if value > 0}
    if not correct:
        raise _Skip(_("The item has no correct answer."))
    single = (interaction.get("maxChoices") or "1").strip() == "1"
    marks, negative, part = item.scoring(identifier, several=not single)
    options = [{"html": _html(choice, item.media), "correct": choice.get("identifier") in correct}
               for choice in choices]
    stem = _stem(item, [interaction], blanks=False)
    if single:
        words = [plain_text(option["html"]).strip(" .").lower() for option in options]
        if len(options) == 2 and {words[0], words[1]} & TRUE_WORDS and {words[0], words[1]} & FALSE_WORDS:
            options.sort(key=lambda option: plain_text(option["html"]).strip(" .").lower() not in TRUE_WORDS)
            return _fields("TRUE_FALSE", stem, item, options=options, marks=marks, negative_marks=negative)
        return _fields("MCQ", stem, item, options=options, marks=marks, negative_marks=negative)
    return _fields("MCA", stem, item, options=options, marks=marks, negative_marks=negative, partial_credit=part)


def _accepted(item: _Item, identifier: str) -> tuple[list[str], bool]:
    """A typed response's accepted answers and whether they are case sensitive (QTI compares strings
    exactly unless a map entry says otherwise)."""
    entries, _mapping = item.mapping(identifier)
    accepted = list(dict.fromkeys(item.correct(identifier) + [key for key, value, _case in entries if value > 0]))
    cases = [case for key, value, case in entries if value > 0]
    case_sensitive = all(case is not False for case in cases)
    return [answer for answer in accepted if answer], case_sensitive


def _blanks(item: _Item, interactions: list) -> dict:
    blanks = []
    for interaction in interactions:
        identifier = interaction.get("responseIdentifier")
        if interaction.tag == "inlineChoiceInteraction":
            choices = {choice.get("identifier"): " ".join("".join(choice.itertext()).split())
                       for choice in interaction.iter("inlineChoice")}
            entries, _mapping = item.mapping(identifier)
            right = item.correct(identifier) or [key for key, value, _case in entries if value > 0]
            accepted = [choices[key] for key in right if choices.get(key)]
            blank = {"accepted": accepted, "choices": [text for text in choices.values() if text],
                     "case_sensitive": True}
        else:
            accepted, case_sensitive = _accepted(item, identifier)
            blank = {"accepted": accepted, "case_sensitive": case_sensitive}
        if not blank["accepted"]:
            raise _Skip(_("A blank has no accepted answer."))
        blanks.append(blank)
    marks, negative, part = item.scoring(interactions[0].get("responseIdentifier") if len(interactions) == 1 else None,
                                         several=False)
    return _fields("FITB", _stem(item, interactions, blanks=True), item, blanks=blanks, marks=marks,
                   negative_marks=negative, partial_credit=part and len(blanks) > 1)


def _stands_alone(interaction) -> bool:
    """A text entry in a block of its own (no text around it) asks for a short answer, not a blank."""
    parent = interaction.getparent()
    if parent.tag == "itemBody":
        return True
    text = (parent.text or "") + "".join(
        (child.tail or "") + ("" if child is interaction else "".join(child.itertext()))
                                         for child in parent)
    return not text.strip()


def _numeric(item: _Item, interaction) -> dict:
    identifier = interaction.get("responseIdentifier")
    accepted, _case = _accepted(item, identifier)
    equals = _descendants(item.processing, "equal") if item.processing is not None else []
    for equal in equals:
        accepted += [base.text.strip() for base in equal.iter("baseValue") if _number(base.text) is not None]
    accepted = list(dict.fromkeys(accepted))
    if not accepted:
        raise _Skip(_("The item has no correct answer."))
    matching = {"tolerance": "0", "tolerance_percent": False, "unit_required": False}
    if equals and (equals[0].get("toleranceMode") or "exact") in ("absolute", "relative"):
        tolerance = (equals[0].get("tolerance") or "0").split()
        matching = {**matching, "tolerance": tolerance[0] if tolerance else "0",
                    "tolerance_percent": equals[0].get("toleranceMode") == "relative"}
    marks, negative, _part = item.scoring(identifier, several=False)
    return _fields("NUMERIC", _stem(item, [interaction], blanks=False), item, accepted_answers=accepted,
                   matching=matching, units=[], marks=marks, negative_marks=negative)


def _short_answer(item: _Item, interaction) -> dict:
    identifier = interaction.get("responseIdentifier")
    accepted, case_sensitive = _accepted(item, identifier)
    marks, negative, _part = item.scoring(identifier, several=False)
    return _fields("SHORT_ANSWER", _stem(item, [interaction], blanks=False), item, accepted_answers=accepted,
                   case_sensitive=case_sensitive, marks=marks, negative_marks=negative)


def _matching(item: _Item, interaction) -> dict:
    sets = _children(interaction, "simpleMatchSet")
    if len(sets) != 2:
        raise _Skip(_("A matching item needs two sets of choices."))
    premises = {choice.get("identifier"): choice for choice in sets[0].iter("simpleAssociableChoice")}
    targets = {choice.get("identifier"): choice for choice in sets[1].iter("simpleAssociableChoice")}
    identifier = interaction.get("responseIdentifier")
    entries, _mapping = item.mapping(identifier)
    pairs = item.correct(identifier) or [key for key, value, _case in entries if value > 0]
    target_ids = list(targets)
    match: dict[str, int] = {}
    for pair in pairs:
        first, _space, second = pair.partition(" ")
        first, second = first.strip(), second.strip()
        if first in targets and second in premises:
            first, second = second, first
        if first in premises and second in targets:
            match.setdefault(first, target_ids.index(second))
    if not premises or set(match) != set(premises):
        raise _Skip(_("A premise of the matching has no correct match."))
    marks, negative, part = item.scoring(identifier, several=True)
    return _fields("MATCHING", _stem(item, [interaction], blanks=False), item,
                   options=[{"html": _html(choice, item.media), "match": match[key]}
                            for key, choice in premises.items()],
                   targets=[{"html": _html(choice, item.media)} for choice in targets.values()],
                   marks=marks, negative_marks=negative, partial_credit=part)


def _ordering(item: _Item, interaction) -> dict:
    identifier = interaction.get("responseIdentifier")
    choices = {choice.get("identifier"): choice for choice in interaction.iter("simpleChoice")}
    order = [key for key in item.correct(identifier) if key in choices]
    if len(order) != len(choices) or len(order) < 2:
        raise _Skip(_("The item has no correct answer."))
    marks, negative, part = item.scoring(identifier, several=False)
    return _fields("ORDERING", _stem(item, [interaction], blanks=False), item,
                   options=[{"html": _html(choices[key], item.media)} for key in order],
                   marks=marks, negative_marks=negative, partial_credit=part)


def _upload(item: _Item, interaction) -> dict:
    declared = (interaction.get("type") or "").strip().lower()
    kind = UPLOAD_KINDS.get(declared) or UPLOAD_KINDS.get(declared.split("/")[0])
    marks, _negative, _part = item.scoring(None, several=False)
    return _fields("FU", _stem(item, [interaction], blanks=False), item, marks=marks,
                   answer_file={"kinds": [kind] if kind else ALL_UPLOAD_KINDS, "max_mb": DEFAULT_UPLOAD_MB})


def _essay(item: _Item, interaction) -> dict:
    marks, _negative, _part = item.scoring(None, several=False)
    return _fields("LONG_ANSWER", _stem(item, [interaction], blanks=False), item, marks=marks)


READERS = {"choiceInteraction": _choice, "matchInteraction": _matching, "orderInteraction": _ordering,
           "uploadInteraction": _upload, "extendedTextInteraction": _essay}


def _players(body) -> None:
    """A mediaInteraction is the recording or video of a listening item, not an answer: its object becomes
    the player in the stem, limited to its maxPlays (counted on the server), with its prompt above it."""
    for interaction in list(body.iter("mediaInteraction")):
        plays = (interaction.get("maxPlays") or "").strip()
        for player in interaction.iter("object", "audio", "video"):
            if plays.isdigit() and int(plays) > 0:
                player.set("data-max-plays", plays)
        prompt = _child(interaction, "prompt")
        if prompt is not None:
            prompt.tag = "p"
            prompt.attrib.clear()
        interaction.tag = "div"
        interaction.attrib.clear()


def _item_fields(item: _Item) -> dict:
    if (item.root.get("adaptive") or "").strip().lower() == "true":
        raise _Skip(_("Adaptive items (several attempts with changing feedback) cannot be imported."))
    if _children(item.root, "templateDeclaration") or _children(item.root, "templateProcessing"):
        raise _Skip(_("Items with template variables (values drawn at random) cannot be imported."))
    if item.body is not None:
        _players(item.body)
    interactions = _interactions(item.body) if item.body is not None else []
    if not interactions:
        raise _Skip(_("The item has no interaction: there is nothing to answer."))
    kinds = list(dict.fromkeys(interaction.tag for interaction in interactions))
    unknown = [kind for kind in kinds if kind not in BLANK_INTERACTIONS | SINGLE_INTERACTIONS]
    if unknown:
        raise _Skip(_("Proctora has no question type for the QTI interaction %(interaction)s.",
                      interaction=", ".join(unknown)))
    if set(kinds) <= BLANK_INTERACTIONS:
        if len(interactions) == 1 and kinds == ["textEntryInteraction"]:
            declaration = item.responses.get(interactions[0].get("responseIdentifier"))
            base_type = declaration.get("baseType") if declaration is not None else None
            if base_type in ("float", "integer"):
                return _numeric(item, interactions[0])
            if _stands_alone(interactions[0]):
                return _short_answer(item, interactions[0])
        return _blanks(item, interactions)
    if len(kinds) > 1:
        raise _Skip(_("The item mixes interactions of different kinds (%(interactions)s).",
                      interactions=", ".join(kinds)))
    if len(interactions) > 1:
        raise _Skip(_("The item has several %(interaction)s interactions.", interaction=kinds[0]))
    return READERS[kinds[0]](item, interactions[0])


def _read_item(root, package: Package | None, path: str) -> tuple[ItemDraft, dict[str, bytes], list[str]]:
    """The item's draft, the media its HTML refers to, and the references to files not in the package."""
    item = _Item(root, package, path)
    try:
        fields = _item_fields(item)
    except _Skip as skip:
        return ItemDraft(ref=item.ref, fields={}, skipped=str(skip)), {}, []
    return ItemDraft(ref=item.ref, fields=fields), item.media.found, item.media.missing


# --- files and packages -------------------------------------------------------------------------------

class _Reader:
    def __init__(self, name: str):
        self.bank = ParsedBank(format=FORMAT)
        self.name = name
        self.refs: dict[str, str] = {}      # item file path -> the ref its draft got

    def problem(self, file: str, message: str, item: str | None = None) -> None:
        self.bank.problems.append(Problem(file, message, item))

    def add_item(self, root, package: Package | None, path: str, where: str) -> str | None:
        if path in self.refs:
            return self.refs[path]
        if len(self.bank.items) >= MAX_ITEMS:
            raise Refused(Problem(self.name, _("The file holds more than %(limit)s items.", limit=MAX_ITEMS)))
        draft, media, missing = _read_item(root, package, path)
        # Two items of one package may share an identifier; the file path tells them apart.
        if any(existing.ref == draft.ref for existing in self.bank.items):
            draft.ref = path
        for href in missing:
            self.problem(where, _("The item refers to %(href)s, which is not in the package.", href=href), draft.ref)
        self.bank.items.append(draft)
        self.bank.media.update(media)
        self.refs[path] = draft.ref
        return draft.ref

    def add_test(self, root, package: Package | None, path: str, where: str) -> None:
        test = TestDraft(title=root.get("title") or root.get("identifier") or path)
        for section in root.iter("assessmentSection"):
            refs = []
            for ref in _children(section, "assessmentItemRef"):
                href = ref.get("href") or ""
                target = resolve(path, href) if package is not None else None
                if package is None:
                    raise Refused(Problem(where, _("The test refers to its items in other files: upload the "
                                                   "whole content package (zip) instead.")))
                if target is None or target not in package:
                    self.problem(where, _("The test refers to %(href)s, which is not in the package.", href=href))
                    continue
                item_root = self.item_root(package, target)
                if item_root is not None:
                    refs.append(self.add_item(item_root, package, target, package.where(target)))
            if refs:
                test.sections.append((section.get("title") or section.get("identifier") or "", refs))
        self.bank.tests.append(test)

    def item_root(self, package: Package, path: str):
        try:
            root = _normalised(parse_xml(package.where(path), package.read(path)))
        except Refused as refused:
            self.bank.problems.append(refused.problem)
            return None
        if root.tag not in ITEM_ROOTS:
            self.problem(package.where(path), _("The file is not a QTI item: its root element is %(root)s.",
                                                root=root.tag))
            return None
        return root

    def read_xml(self, data: bytes) -> None:
        root = _normalised(parse_xml(self.name, data))
        if root.tag in ITEM_ROOTS:
            self.add_item(root, None, self.name, self.name)
        elif root.tag in TEST_ROOTS:
            self.add_test(root, None, self.name, self.name)
        else:
            self.problem(self.name, _("The file is not a QTI item or test: its root element is %(root)s.",
                                      root=root.tag))

    def read_package(self, data: bytes) -> None:
        package = Package(self.name, data)
        if "imsmanifest.xml" not in package:
            raise Refused(Problem(self.name, _("The package has no imsmanifest.xml: it is no IMS content package.")))
        manifest = _normalised(parse_xml(package.where("imsmanifest.xml"), package.read("imsmanifest.xml")))
        resources = [resource for resource in manifest.iter("resource")
                     if QTI_RESOURCE.search(resource.get("type") or "")]
        if not resources:
            raise Refused(Problem(package.where("imsmanifest.xml"), _("The manifest lists no QTI items or tests.")))
        tests, items = [], []
        for resource in resources:
            href = resource.get("href") or next((file.get("href") for file in resource.iter("file")), "")
            path = resolve("imsmanifest.xml", href)
            if path is None or path not in package:
                self.problem(package.where("imsmanifest.xml"),
                             _("The manifest refers to %(href)s, which is not in the package.", href=href))
                continue
            (tests if TEST_RESOURCE.search(resource.get("type")) else items).append(path)
        for path in items:
            root = self.item_root(package, path)
            if root is not None:
                self.add_item(root, package, path, package.where(path))
        for path in tests:
            try:
                root = _normalised(parse_xml(package.where(path), package.read(path)))
            except Refused as refused:
                self.bank.problems.append(refused.problem)
                continue
            if root.tag not in TEST_ROOTS:
                self.problem(package.where(path), _("The file is not a QTI test: its root element is %(root)s.",
                                                    root=root.tag))
                continue
            self.add_test(root, package, path, package.where(path))


def parse(filename: str, data: bytes) -> ParsedBank:
    reader = _Reader(filename)
    try:
        if problem := too_large(filename, data):
            raise Refused(problem)
        if is_zip(data):
            reader.read_package(data)
        elif _root_name(data) is None:
            raise Refused(Problem(filename, _("The file is neither a QTI content package nor a QTI item or test.")))
        else:
            reader.read_xml(data)
    except Refused as refused:
        reader.bank.problems.append(refused.problem)
    return reader.bank
