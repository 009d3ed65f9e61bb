"""Rich text from staff is cleaned on save: only formatting survives, never script or event handlers."""
import html as html_lib
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "span", "div",
    "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "img", "a", "hr",
}
ALLOWED_ATTRIBUTES = {
    # A passage in another language keeps its direction and language (an Arabic quote in an English item).
    "*": {"dir", "lang"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
}
DIRECTIONS = {"ltr", "rtl", "auto"}
# A BCP 47 language tag's shape (en, ar, pt-BR, zh-Hant-TW, de-CH-1996).
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
_TAG = re.compile(r"<[^>]+>")


def _checked_value(tag: str, attribute: str, value: str) -> str | None:
    """`dir` and `lang` only with values a browser reads as a direction and a language; others as they are."""
    if attribute == "dir":
        value = value.strip().lower()
        return value if value in DIRECTIONS else None
    if attribute == "lang":
        value = value.strip()
        return value if len(value) <= 35 and LANGUAGE_TAG.fullmatch(value) else None
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
