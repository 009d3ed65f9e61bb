"""Rich text from staff is cleaned on save: only formatting survives, never script or event handlers.
Pictures, audio and video survive only with the URL of one of the bank's media files (webapp/bank/media.py):
an outside or data: URL would be a request to another site from a candidate's page (and the
Content-Security-Policy blocks it anyway)."""
import html as html_lib
import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "span", "div",
    "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "img", "a", "hr", "audio", "video", "source",
}
MEDIA_TAGS = {"img", "audio", "video", "source"}
ALLOWED_ATTRIBUTES = {
    # A passage in another language keeps its direction and language (an Arabic quote in an English item).
    "*": {"dir", "lang"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    # data-max-plays: how often the candidate may play the audio (webapp/sittings/media.py counts).
    "audio": {"controls", "src", "data-max-plays"},
    "video": {"controls", "src", "width", "height"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
}
DIRECTIONS = {"ltr", "rtl", "auto"}
# A BCP 47 language tag's shape (en, ar, pt-BR, zh-Hant-TW, de-CH-1996).
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
_TAG = re.compile(r"<[^>]+>")
# The URL of a media file of the bank, as question HTML holds it: /media/<id>/<name> (media.media_url).
MEDIA_URL = re.compile(r"/media/([0-9]{1,10})(?:/[A-Za-z0-9_.-]*)?")
MAX_PLAYS = 99
_SIZE = re.compile(r"[0-9]{1,4}")
_MEDIA_TYPE = re.compile(r"(audio|video)/[a-z0-9.+-]{1,40}(; ?codecs=\"?[A-Za-z0-9., -]{1,80}\"?)?")


def is_media_url(url: str | None) -> bool:
    return MEDIA_URL.fullmatch((url or "").strip()) is not None


def _checked_value(tag: str, attribute: str, value: str) -> str | None:
    """`dir` and `lang` only with values a browser reads as a direction and a language; others as they are."""
    if attribute == "dir":
        value = value.strip().lower()
        return value if value in DIRECTIONS else None
    if attribute == "lang":
        value = value.strip()
        return value if len(value) <= 35 and LANGUAGE_TAG.fullmatch(value) else None
    if tag in MEDIA_TAGS and attribute == "src":
        return value.strip() if is_media_url(value) else None
    if attribute in ("width", "height"):
        return value.strip() if _SIZE.fullmatch(value.strip()) else None
    if attribute == "data-max-plays":
        value = value.strip()
        return value if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_PLAYS else None
    if tag == "source" and attribute == "type":
        return value.strip() if _MEDIA_TYPE.fullmatch(value.strip()) else None
    return value


def clean_html(html: str | None) -> str:
    return nh3.clean(
        (html or "").strip(),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_checked_value,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def plain_text(html: str | None) -> str:
    """The visible text of sanitised HTML, for lists, search and emptiness checks."""
    return " ".join(html_lib.unescape(_TAG.sub(" ", html or "")).split())


def first_words(html: str | None, count: int = 8) -> str:
    """How people name a question: the first words of its stem."""
    words = plain_text(html).split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


class _MediaElements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag in MEDIA_TAGS:
            self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def media_elements(html: str | None) -> list[tuple[str, dict[str, str]]]:
    """The `<img>`, `<audio>`, `<video>` and `<source>` elements of HTML with their attributes, in order."""
    parser = _MediaElements()
    parser.feed(html or "")
    parser.close()
    return parser.found
