"""LaTeX in questions drawn for the PDFs: WeasyPrint runs no JavaScript and draws no MathML, so each
formula between \\( \\) (inline) or \\[ \\] (displayed) becomes an SVG picture (ziamath, whose glyphs are
paths of its own STIX font). The browser pages render the same source with KaTeX (static/js/math.js).

A formula that does not parse, or is too long to draw quickly, stays as its source text. The SVG goes in
as a data: image, so the ids inside two pictures never meet and nothing in it can act on the page.
"""
import base64
import html
import re
from html.parser import HTMLParser

import ziamath

MAX_FORMULA_LENGTH = 500       # drawing time grows with the length: about 0.3 s for 500 characters
MAX_FORMULAS = 200             # per document; more stay as text
FONT_SIZE_PT = 11              # documents.css sets the body text in 11 pt
FORMULA = re.compile(r"\\\((?P<inline>.+?)\\\)|\\\[(?P<display>.+?)\\\]", re.S)
# Text in these elements is never typeset (the title is metadata; style and script are not text).
_NOT_TEXT = {"head", "title", "style", "script"}


def formula_picture(latex: str, *, display: bool = False) -> str | None:
    """An <img> drawing the formula, or None when it cannot be drawn."""
    if not latex.strip() or len(latex) > MAX_FORMULA_LENGTH:
        return None
    try:
        svg = ziamath.Latex(latex, size=FONT_SIZE_PT * 4 / 3, inline=not display).svg()
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


_VIEWBOX = re.compile(r'viewBox="(?P<x>[-\d.]+) (?P<y>[-\d.]+) (?P<w>[\d.]+) (?P<h>[\d.]+)"')


def _picture_box(svg: str) -> tuple[float | None, float, float]:
    match = _VIEWBOX.search(svg[:400])
    if not match:
        return None, 0.0, 0.0
    return float(match["w"]), float(match["h"]), float(match["y"])


def typeset_text(text: str, budget: list[int]) -> str:
    """Escaped text with each formula drawn while the document's budget of formulas lasts."""
    parts, position = [], 0
    for match in FORMULA.finditer(text):
        if budget[0] <= 0:
            break
        display = match["display"] is not None
        picture = formula_picture(match["display"] if display else match["inline"], display=display)
        if picture is None:
            continue
        budget[0] -= 1
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
        self.budget = [MAX_FORMULAS]

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
