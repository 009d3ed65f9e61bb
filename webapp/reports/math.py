"""LaTeX in questions drawn for the PDFs: WeasyPrint runs no JavaScript and draws no MathML, so each
formula between \\( \\) (inline) or \\[ \\] (displayed) becomes an SVG picture (ziamath, whose glyphs are
paths of its own STIX font). The browser pages render the same source with KaTeX (static/js/math.js).

A formula that does not parse, or is too long to draw quickly, stays as its source text. The SVG goes in
as a data: image, so the ids inside two pictures never meet and nothing in it can act on the page.
"""
import base64
import html
import re
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import ziamath
from ziamath.tex import tex2mml

# ziamath's layout time grows with the length and exponentially with the nesting (a square root in a
# square root ... ten deep takes seconds): formulas past these limits stay as text. Real ones (the
# quadratic formula, an integral, a matrix) nest 5 to 9 deep and draw in under 0.1 s.
MAX_FORMULA_LENGTH = 500
MAX_NESTING = 10
MAX_FORMULAS = 200             # per document
DRAWING_SECONDS = 5.0          # per document; the formulas after that stay as text
FONT_SIZE_PT = 11              # documents.css sets the body text in 11 pt
FORMULA = re.compile(r"\\\((?P<inline>.+?)\\\)|\\\[(?P<display>.+?)\\\]", re.S)
# Text in these elements is never typeset (the title is metadata; style and script are not text).
_NOT_TEXT = {"head", "title", "style", "script"}


def formula_picture(latex: str, *, display: bool = False) -> str | None:
    """An <img> drawing the formula, or None when it cannot be drawn."""
    if not latex.strip() or len(latex) > MAX_FORMULA_LENGTH:
        return None
    try:
        mathml = ET.fromstring(tex2mml(latex, inline=not display))
        if _nesting(mathml) > MAX_NESTING:
            return None
        svg = ziamath.Math(mathml, size=FONT_SIZE_PT * 4 / 3).svg()
    except Exception:  # noqa: BLE001  (any failure of the parser or the layout leaves the source text)
        return None
    width, height, top = _picture_box(svg)
    if width is None:
        return None
    # ziamath measures in px (1/96 in); the baseline is at y = 0 of the viewBox, so what hangs below it
    # (height + top) sinks the picture by as much.
    descent = max(height + top, 0)
    data = base64.b64encode(svg.encode()).decode()
    return (
        f'<img class="math{" math-display" if display else ""}" alt="{html.escape(latex)}" '
        f'src="data:image/svg+xml;base64,{data}" '
        f'style="width: {width * 0.75:.2f}pt; height: {height * 0.75:.2f}pt; vertical-align: -{descent * 0.75:.2f}pt">'
    )


def _nesting(element: ET.Element) -> int:
    return 1 + max((_nesting(child) for child in element), default=0)


_VIEWBOX = re.compile(r'viewBox="(?P<x>[-\d.]+) (?P<y>[-\d.]+) (?P<w>[\d.]+) (?P<h>[\d.]+)"')


def _picture_box(svg: str) -> tuple[float | None, float, float]:
    match = _VIEWBOX.search(svg[:400])
    if not match:
        return None, 0.0, 0.0
    return float(match["w"]), float(match["h"]), float(match["y"])


class _Budget:
    """What a document may still spend on drawing formulas."""

    def __init__(self):
        self.formulas = MAX_FORMULAS
        self.until = time.monotonic() + DRAWING_SECONDS

    def left(self) -> bool:
        return self.formulas > 0 and time.monotonic() < self.until


def typeset_text(text: str, budget: _Budget) -> str:
    """Escaped text with each formula drawn while the document's budget lasts."""
    parts, position = [], 0
    for match in FORMULA.finditer(text):
        if not budget.left():
            break
        display = match["display"] is not None
        picture = formula_picture(match["display"] if display else match["inline"], display=display)
        budget.formulas -= 1
        if picture is None:
            continue
        parts += [html.escape(text[position:match.start()], quote=False), picture]
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts)


class _Typesetter(HTMLParser):
    """Copies the document as it is, except formulas in its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.budget = _Budget()

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if self.cdata_elem:   # <style>, <script>: their text is kept byte for byte
            self.out.append(data)
        elif _NOT_TEXT.intersection(self.open) or "\\" not in data:
            self.out.append(html.escape(data, quote=False))
        else:
            self.out.append(typeset_text(data, self.budget))

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")


def typeset_math(document: str) -> str:
    """The HTML document with every formula of its text drawn as a picture, for WeasyPrint."""
    if "\\(" not in document and "\\[" not in document:
        return document
    typesetter = _Typesetter()
    typesetter.feed(document)
    typesetter.close()
    return "".join(typesetter.out)
