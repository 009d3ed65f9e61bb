"""IMS QTI out: a QTI 2.1 content package (zip) of questions, one assessmentItem each, their media, and an
assessmentTest with a section per skill when the export has a title. webapp/bank/formats/qti.py reads it back
to the same items.

How each type is written (SCORE and MAXSCORE are floats; MAXSCORE holds the marks):
- MCQ, TRUE_FALSE: choiceInteraction maxChoices 1; MCA: maxChoices 0;
- FITB: the stem's [[n]] are textEntryInteractions (inlineChoiceInteractions for a blank with choices), each
  with a mapping of its accepted answers (caseSensitive from the blank); SHORT_ANSWER: one text entry in a
  paragraph of its own; NUMERIC: a float text entry compared with `equal` within the tolerance;
- MATCHING: matchInteraction, premises then targets, directedPair responses; ORDERING: orderInteraction;
- LONG_ANSWER: extendedTextInteraction; FILE_UPLOAD: uploadInteraction (graded by hand: no processing).
All or nothing is the match_correct template, or a responseCondition (right: the marks; no answer: 0;
otherwise the negative marks) where there are negative marks or several accepted answers. Partial credit is
map_response for choices and pairs (each right one worth its share), and a sum of the parts for blanks and
the positions of an ordering. What QTI 2.1 has no words for is left out: units of a numeric item (its
numbers stay), the blanks' other matching options, the number of plays of audio, the text direction."""
from __future__ import annotations

import io
import mimetypes
import posixpath
import re
import zipfile

from lxml import etree
from lxml import html as lxml_html

from webapp.bank.models import QuestionType
from webapp.bank.sanitize import first_words

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
QTI_SCHEMA = f"{QTI} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
IMSCP_SCHEMA = f"{IMSCP} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
MATCH_CORRECT = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
MAP_RESPONSE = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"
# The XHTML QTI 2.1 holds, and the attributes of ours it has (others are dropped; u and s become spans).
QTI_TAGS = {"p", "br", "strong", "em", "b", "i", "sub", "sup", "span", "div", "ul", "ol", "li", "blockquote",
            "code", "pre", "h3", "h4", "h5", "table", "thead", "tbody", "tr", "th", "td", "caption", "img", "a",
            "hr"}
QTI_ATTRIBUTES = {"img": {"src", "alt", "width", "height"}, "a": {"href"}, "td": {"colspan", "rowspan"},
                  "th": {"colspan", "rowspan", "scope"}}
# The blocks an itemBody may hold directly; a stem with anything else at its top (text, inline tags) is
# wrapped in a div.
BLOCK_TAGS = {"p", "div", "ul", "ol", "blockquote", "pre", "h3", "h4", "h5", "table", "hr"}
UPLOAD_TYPES = {"pdf": "application/pdf"}
BLANK = re.compile(r"\[\[(\d+)\]\]")


def _q(tag: str) -> str:
    return f"{{{QTI}}}{tag}"


def _element(parent, tag: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, _q(tag), {key: str(value) for key, value in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _number(value: float) -> str:
    return f"{float(value):g}"


class _Package:
    """The files of the package being written, and the media its items refer to."""

    def __init__(self, media_source):
        self.media_source = media_source
        self.files: dict[str, bytes] = {}
        self.media_paths: dict[str, str] = {}    # media URL -> path in the package

    def media(self, url: str) -> str | None:
        if url in self.media_paths:
            return self.media_paths[url]
        found = self.media_source(url) if url else None
        if found is None:
            return None
        filename, data = found
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", posixpath.basename(filename)) or "file"
        path = f"media/{len(self.media_paths) + 1}-{name}"
        self.media_paths[url] = path
        self.files[path] = data
        return path


# --- HTML into the item's XHTML -----------------------------------------------------------------------

def _xhtml(element, parent, package: _Package, item_media: set, blank) -> None:
    """Appends the HTML element's QTI counterpart (its content, for a tag QTI has not) to `parent`."""
    tag = element.tag if isinstance(element.tag, str) else None
    if tag is None:          # a comment
        return
    if tag == "span" and element.get("data-blank"):
        blank(parent, int(element.get("data-blank")))
        return
    if tag in ("audio", "video"):
        source = element.get("src") or next((s.get("src") for s in element.iter("source") if s.get("src")), "")
        path = package.media(source) or source
        item_media.add(path)
        kind = mimetypes.guess_type(path)[0] or f"{tag}/mpeg"
        target = _element(parent, "object", data=path, type=kind)
        target.text = posixpath.basename(path)
        return
    name = tag if tag in QTI_TAGS else "span"
    attributes = {key: value for key, value in element.attrib.items() if key in QTI_ATTRIBUTES.get(name, ())}
    if name == "img":
        source = attributes.get("src", "")
        attributes["src"] = package.media(source) or source
        attributes.setdefault("alt", "")
        item_media.add(attributes["src"])
    target = etree.SubElement(parent, _q(name), attributes)
    if element.get("lang"):
        target.set(XML_LANG, element.get("lang"))
    target.text = element.text
    for child in element:
        _xhtml(child, target, package, item_media, blank)
        if child.tail:
            last = target[-1] if len(target) else None
            if last is not None:
                last.tail = (last.tail or "") + child.tail
            else:
                target.text = (target.text or "") + child.tail


def _content(parent, html: str, package: _Package, item_media: set, blank=None) -> None:
    """The HTML's content appended to `parent`; [[n]] in it become `blank(parent, n)`'s interactions."""
    if not (html or "").strip():
        return
    marked = BLANK.sub(lambda match: f'<span data-blank="{match[1]}"></span>', html or "")
    holder = lxml_html.fragment_fromstring(marked, create_parent="div")
    parent.text = (parent.text or "") + (holder.text or "")
    for child in holder:
        _xhtml(child, parent, package, item_media, blank or (lambda into, number: None))
        if child.tail:
            last = parent[-1] if len(parent) else None
            if last is not None:
                last.tail = (last.tail or "") + child.tail
            else:
                parent.text = (parent.text or "") + child.tail


def _stem_holder(body, html: str):
    """Where the stem goes in the item's body: the body itself when the stem is blocks only, else a div."""
    if not (html or "").strip():
        return body
    holder = lxml_html.fragment_fromstring(html, create_parent="div")
    blocks = not (holder.text or "").strip() and all(
        isinstance(child.tag, str) and child.tag in BLOCK_TAGS and not (child.tail or "").strip() for child in holder)
    return body if blocks else _element(body, "div")


# --- response processing -------------------------------------------------------------------------------

def _set_score(parent, value) -> None:
    setting = _element(parent, "setOutcomeValue", identifier="SCORE")
    if isinstance(value, (int, float)):
        _element(setting, "baseValue", _number(value), baseType="float")
    else:
        setting.append(value)


def _all_or_nothing(item, condition, responses: list[str], marks: float, negative: float) -> None:
    """SCORE: the marks when `condition` holds, 0 without an answer, else the negative marks."""
    processing = _element(item, "responseProcessing")
    rule = _element(processing, "responseCondition")
    right = _element(rule, "responseIf")
    right.append(condition)
    _set_score(right, marks)
    if negative < 0:
        unanswered = _element(rule, "responseElseIf")
        nulls = _element(unanswered, "and") if len(responses) > 1 else unanswered
        for response in responses:
            _element(_element(nulls, "isNull"), "variable", identifier=response)
        _set_score(unanswered, 0)
        _set_score(_element(rule, "responseElse"), negative)


def _matches_correct(response: str):
    match = etree.Element(_q("match"))
    _element(match, "variable", identifier=response)
    _element(match, "correct", identifier=response)
    return match


def _declaration(item, identifier: str, cardinality: str, base_type: str, correct: list[str]):
    declaration = _element(item, "responseDeclaration", identifier=identifier, cardinality=cardinality,
                           baseType=base_type)
    if correct:
        values = _element(declaration, "correctResponse")
        for value in correct:
            _element(values, "value", value)
    return declaration


def _mapping(declaration, entries: list[tuple[str, float]], *, upper: float | None = None,
             lower: float | None = None, case_sensitive: bool | None = None) -> None:
    attributes = {"defaultValue": "0"}
    if upper is not None:
        attributes["upperBound"] = _number(upper)
    if lower is not None:
        attributes["lowerBound"] = _number(lower)
    mapping = _element(declaration, "mapping", **attributes)
    for key, value in entries:
        extra = {} if case_sensitive is None else {"caseSensitive": "true" if case_sensitive else "false"}
        _element(mapping, "mapEntry", mapKey=key, mappedValue=_number(value), **extra)


def _scored_by_choice(item, question, response: str, right: list[str], wrong: list[str]) -> None:
    """Choices and pairs: map_response when each right one earns its share, else all or nothing."""
    marks, negative = question.marks, question.negative_marks
    declaration = item.find(f"{{{QTI}}}responseDeclaration[@identifier='{response}']")
    if question.partial_credit and right:
        share = marks / len(right)
        _mapping(declaration, [(key, share) for key in right] + [(key, negative) for key in wrong if negative < 0],
                 upper=marks, lower=negative if negative < 0 else 0)
        _element(item, "responseProcessing", template=MAP_RESPONSE)
    elif negative < 0:
        _all_or_nothing(item, _matches_correct(response), [response], marks, negative)
    else:
        _element(item, "responseProcessing", template=MATCH_CORRECT)


# --- items --------------------------------------------------------------------------------------------

def _choices(item, body, question, package, item_media) -> None:
    single = question.type in (QuestionType.MCQ, QuestionType.TRUE_FALSE)
    ids = {option["id"]: f"C_{option['id']}" for option in question.options}
    right = [ids[option["id"]] for option in question.options if option.get("correct")]
    wrong = [ids[option["id"]] for option in question.options if not option.get("correct")]
    _declaration(item, "RESPONSE", "single" if single else "multiple", "identifier", right)
    _outcomes(item, question)
    interaction = _element(body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false",
                           maxChoices=1 if single else 0)
    for option in question.options:
        _content(_element(interaction, "simpleChoice", identifier=ids[option["id"]]), option["html"], package,
                 item_media)
    if single and question.negative_marks >= 0:
        _element(item, "responseProcessing", template=MATCH_CORRECT)
    else:
        _scored_by_choice(item, question, "RESPONSE", right, wrong)


def _matching(item, body, question, package, item_media) -> None:
    premise_ids = {option["id"]: f"P_{option['id']}" for option in question.options}
    target_ids = {target["id"]: f"T_{target['id']}" for target in question.targets}
    pairs = [f"{premise_ids[option['id']]} {target_ids[option['match']]}" for option in question.options
             if option.get("match") in target_ids]
    _declaration(item, "RESPONSE", "multiple", "directedPair", pairs)
    _outcomes(item, question)
    interaction = _element(body, "matchInteraction", responseIdentifier="RESPONSE", shuffle="true",
                           maxAssociations=len(question.options))
    premises = _element(interaction, "simpleMatchSet")
    for option in question.options:
        _content(_element(premises, "simpleAssociableChoice", identifier=premise_ids[option["id"]], matchMax=1),
                 option["html"], package, item_media)
    targets = _element(interaction, "simpleMatchSet")
    for target in question.targets:
        _content(_element(targets, "simpleAssociableChoice", identifier=target_ids[target["id"]],
                          matchMax=len(question.options)), target["html"], package, item_media)
    _scored_by_choice(item, question, "RESPONSE", pairs, [])


def _ordering(item, body, question, package, item_media) -> None:
    ids = [f"O_{option['id']}" for option in question.options]
    _declaration(item, "RESPONSE", "ordered", "identifier", ids)
    _outcomes(item, question)
    interaction = _element(body, "orderInteraction", responseIdentifier="RESPONSE", shuffle="true")
    for identifier, option in zip(ids, question.options):
        _content(_element(interaction, "simpleChoice", identifier=identifier), option["html"], package, item_media)
    if not question.partial_credit or not ids:
        if question.negative_marks < 0:
            _all_or_nothing(item, _matches_correct("RESPONSE"), ["RESPONSE"], question.marks, question.negative_marks)
        else:
            _element(item, "responseProcessing", template=MATCH_CORRECT)
        return
    # Each option in its right place earns its share (the ordering's partial credit).
    processing = _element(item, "responseProcessing")
    share = question.marks / len(ids)
    for position, identifier in enumerate(ids, start=1):
        right = _element(_element(processing, "responseCondition"), "responseIf")
        match = _element(right, "match")
        _element(_element(match, "index", n=position), "variable", identifier="RESPONSE")
        _element(match, "baseValue", identifier, baseType="identifier")
        total = etree.Element(_q("sum"))
        _element(total, "variable", identifier="SCORE")
        _element(total, "baseValue", _number(share), baseType="float")
        _set_score(right, total)


def _blank_responses(item, question) -> list[tuple[str, dict]]:
    """Each blank's response declaration, its accepted answers mapped to 1."""
    responses = []
    for number, blank in enumerate(question.blanks, start=1):
        response = f"RESPONSE_{number}"
        if blank.get("choices"):
            choice_ids = {choice: f"B{number}_{index}" for index, choice in enumerate(blank["choices"], start=1)}
            right = [choice_ids[answer] for answer in blank.get("accepted", []) if answer in choice_ids]
            declaration = _declaration(item, response, "single", "identifier", right[:1])
            _mapping(declaration, [(key, 1) for key in right], upper=1)
        else:
            accepted = list(blank.get("accepted", []))
            declaration = _declaration(item, response, "single", "string", accepted[:1])
            _mapping(declaration, [(answer, 1) for answer in accepted], upper=1,
                     case_sensitive=bool(blank.get("case_sensitive")))
        responses.append((response, blank))
    return responses


def _blanks(item, body, question, package, item_media) -> None:
    responses = _blank_responses(item, question)
    _outcomes(item, question)

    def blank(parent, number: int) -> None:
        if not 1 <= number <= len(responses):
            return
        response, key = responses[number - 1]
        if key.get("choices"):
            interaction = _element(parent, "inlineChoiceInteraction", responseIdentifier=response, shuffle="false")
            for index, choice in enumerate(key["choices"], start=1):
                _element(interaction, "inlineChoice", choice, identifier=f"B{number}_{index}")
        else:
            _element(parent, "textEntryInteraction", responseIdentifier=response)

    _content(_stem_holder(body, question.stem), question.stem, package, item_media, blank)
    names = [response for response, _key in responses]
    if question.partial_credit and len(names) > 1:
        # Marks x the share of blanks right: each mapping gives 1 for a right answer.
        processing = _element(item, "responseProcessing")
        product = etree.Element(_q("product"))
        _element(product, "baseValue", _number(question.marks / len(names)), baseType="float")
        total = _element(product, "sum")
        for name in names:
            _element(total, "mapResponse", identifier=name)
        _set_score(processing, product)
        return
    _all_or_nothing(item, _all_mapped(names), names, question.marks, question.negative_marks)


def _all_mapped(names: list[str]):
    """Every response's mapping gives it 1: each is one of its accepted answers."""
    condition = etree.Element(_q("and")) if len(names) > 1 else None
    parts = []
    for name in names:
        at_least = etree.Element(_q("gte"))
        _element(at_least, "mapResponse", identifier=name)
        _element(at_least, "baseValue", "1", baseType="float")
        parts.append(at_least)
    if condition is None:
        return parts[0]
    condition.extend(parts)
    return condition


def _short_answer(item, body, question, package, item_media) -> None:
    accepted = list(question.accepted_answers)
    declaration = _declaration(item, "RESPONSE", "single", "string", accepted[:1])
    if accepted:
        _mapping(declaration, [(answer, 1) for answer in accepted], upper=1, case_sensitive=question.case_sensitive)
    _outcomes(item, question)
    _element(_element(body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE")
    if accepted:
        _all_or_nothing(item, _all_mapped(["RESPONSE"]), ["RESPONSE"], question.marks, question.negative_marks)


def _numeric(item, body, question, package, item_media) -> None:
    accepted = list(question.accepted_answers)
    _declaration(item, "RESPONSE", "single", "float", accepted[:1])
    _outcomes(item, question)
    _element(_element(body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE")
    matching = question.matching or {}
    tolerance = str(matching.get("tolerance") or "0")
    mode = "exact" if float(tolerance) == 0 else ("relative" if matching.get("tolerance_percent") else "absolute")
    either = etree.Element(_q("or")) if len(accepted) > 1 else None
    equals = []
    for answer in accepted:
        equal = etree.Element(_q("equal"), toleranceMode=mode)
        if mode != "exact":
            equal.set("tolerance", tolerance)
        _element(equal, "variable", identifier="RESPONSE")
        _element(equal, "baseValue", str(answer), baseType="float")
        equals.append(equal)
    if not equals:       # no number to compare with: graded by hand
        return
    if either is not None:
        either.extend(equals)
    _all_or_nothing(item, either if either is not None else equals[0], ["RESPONSE"], question.marks,
                    question.negative_marks)


def _essay(item, body, question, package, item_media) -> None:
    _declaration(item, "RESPONSE", "single", "string", [])
    _outcomes(item, question)
    _element(body, "extendedTextInteraction", responseIdentifier="RESPONSE")


def _upload(item, body, question, package, item_media) -> None:
    _declaration(item, "RESPONSE", "single", "file", [])
    _outcomes(item, question)
    kinds = (question.answer_file or {}).get("kinds") or []
    declared = {"type": UPLOAD_TYPES[kinds[0]]} if len(kinds) == 1 and kinds[0] in UPLOAD_TYPES else {}
    _element(body, "uploadInteraction", responseIdentifier="RESPONSE", **declared)


WRITERS = {
    QuestionType.MCQ: _choices, QuestionType.MCA: _choices, QuestionType.TRUE_FALSE: _choices,
    QuestionType.FITB: _blanks, QuestionType.SHORT_ANSWER: _short_answer, QuestionType.NUMERIC: _numeric,
    QuestionType.MATCHING: _matching, QuestionType.ORDERING: _ordering, QuestionType.LONG_ANSWER: _essay,
    QuestionType.FILE_UPLOAD: _upload,
}
def _outcomes(item, question) -> None:
    score = _element(item, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    _element(_element(score, "defaultValue"), "value", "0")
    top = _element(item, "outcomeDeclaration", identifier="MAXSCORE", cardinality="single", baseType="float")
    _element(_element(top, "defaultValue"), "value", _number(question.marks))
    if question.explanation:
        _element(item, "outcomeDeclaration", identifier="FEEDBACK", cardinality="single", baseType="identifier")


def item_identifier(question) -> str:
    return f"Q{question.id}"


def _item(question, package: _Package) -> tuple[bytes, set]:
    item_media: set = set()
    item = etree.Element(_q("assessmentItem"), nsmap={None: QTI, "xsi": XSI})
    item.set(f"{{{XSI}}}schemaLocation", QTI_SCHEMA)
    item.set("identifier", item_identifier(question))
    item.set("title", first_words(BLANK.sub("…", question.stem)) or item_identifier(question))
    item.set("adaptive", "false")
    item.set("timeDependent", "false")
    body = etree.Element(_q("itemBody"))
    if question.type != QuestionType.FITB:     # a cloze's stem holds its interactions
        _content(_stem_holder(body, question.stem), question.stem, package, item_media)
    WRITERS[question.type](item, body, question, package, item_media)
    # The body goes after the declarations and before the processing, as QTI orders an item's parts.
    processing = item.find(_q("responseProcessing"))
    if processing is not None:
        processing.addprevious(body)
    else:
        item.append(body)
    if question.explanation:
        feedback = _element(item, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier="EXPLANATION",
                            showHide="hide")
        _content(feedback, question.explanation, package, item_media)
    return etree.tostring(item, xml_declaration=True, encoding="UTF-8", pretty_print=True), item_media


def _test(title: str, questions: list) -> bytes:
    test = etree.Element(_q("assessmentTest"), nsmap={None: QTI, "xsi": XSI})
    test.set(f"{{{XSI}}}schemaLocation", QTI_SCHEMA)
    test.set("identifier", "TEST")
    test.set("title", title)
    part = _element(test, "testPart", identifier="PART", navigationMode="nonlinear", submissionMode="simultaneous")
    sections: dict[str, list] = {}
    for question in questions:
        sections.setdefault(question.skill.name if question.skill else "", []).append(question)
    for number, (skill, members) in enumerate(sections.items(), start=1):
        section = _element(part, "assessmentSection", identifier=f"S{number}", title=skill or title, visible="true")
        for question in members:
            _element(section, "assessmentItemRef", identifier=item_identifier(question),
                     href=f"{item_identifier(question)}.xml")
    return etree.tostring(test, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write(questions: list, media_source, title: str | None) -> tuple[bytes, str]:
    package = _Package(media_source)
    manifest = etree.Element(f"{{{IMSCP}}}manifest", nsmap={None: IMSCP, "xsi": XSI})
    manifest.set(f"{{{XSI}}}schemaLocation", IMSCP_SCHEMA)
    manifest.set("identifier", "MANIFEST")
    metadata = etree.SubElement(manifest, f"{{{IMSCP}}}metadata")
    etree.SubElement(metadata, f"{{{IMSCP}}}schema").text = "QTIv2.1 Package"
    etree.SubElement(metadata, f"{{{IMSCP}}}schemaversion").text = "1.0.0"
    etree.SubElement(manifest, f"{{{IMSCP}}}organizations")
    resources = etree.SubElement(manifest, f"{{{IMSCP}}}resources")
    for question in questions:
        path = f"{item_identifier(question)}.xml"
        package.files[path], item_media = _item(question, package)
        resource = etree.SubElement(resources, f"{{{IMSCP}}}resource", identifier=item_identifier(question),
                                    type="imsqti_item_xmlv2p1", href=path)
        for file in [path, *sorted(media for media in item_media if media in package.files)]:
            etree.SubElement(resource, f"{{{IMSCP}}}file", href=file)
    if title:
        package.files["test.xml"] = _test(title, questions)
        resource = etree.SubElement(resources, f"{{{IMSCP}}}resource", identifier="TEST", type="imsqti_test_xmlv2p1",
                                    href="test.xml")
        etree.SubElement(resource, f"{{{IMSCP}}}file", href="test.xml")
        for question in questions:
            etree.SubElement(resource, f"{{{IMSCP}}}dependency", identifierref=item_identifier(question))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", etree.tostring(manifest, xml_declaration=True, encoding="UTF-8",
                                                           pretty_print=True))
        for path, data in package.files.items():
            archive.writestr(path, data)
    return buffer.getvalue(), "zip"
