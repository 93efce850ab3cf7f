"""Who said it: attribution lines before and after blockquotes, and the work a note is about.

The grammar of attributions is this project's own, so it is written here; it runs over paragraphs
that the CommonMark parser has already reduced to text plus link spans, never over raw lines.

Forms read (X is a link ``[X](url)`` or, where said so, a plain name):

- before a quote: ``X said`` (``said that``, ``says:``, ``wrote``, ``writes that``, ``explains``,
  ``notes``, ``puts it``, ``defines it as``…), ``X has mentioned … in [article](url)`` (X is the
  person, with a parenthesis after the name as the role and the link as the homepage; the article is
  the cited page), ``X mentioned … that``, ``X describes … as``, ``According to X:``, ``As X puts
  it:``, ``In [Book](url) written by [A](…), [B](…) & [C](…) … that`` (the book is the cited work,
  A, B and C its creators), a plain name (``Chip Huyen said``), a web link alone, and a title in
  brackets alone (``[Some article]``, a link the author left without its address);
- after a quote: ``— X``, ``-- X, 2019``, ``Source: X``, ``Reference: X``, ``From: X``, ``Via X``,
  ``— Name, [Title](url)`` (the person, quoted from that page).

A source's name is the name only: a trailing date in English or Thai (``Blocks & Files, Jan 2026``,
``Chip Huyen (2022)``) becomes the quote's date. A URL's text fragment (``#:~:text=…``) points at the
quote in the page: the page is the URL without it, and the fragment is kept as the quote's selector.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from msgspec import Struct

from mlops_graph.extract.urls import clean_url, host_of, is_web_url
from mlops_graph.model import SourceRef
from mlops_graph.read.markdown import Inline, LinkSpan

_LINK = "\x00"
_VERBS = (
    r"said|says|say|wrote|writes|write|puts\s+it|put\s+it|defines\s+it\s+as|defined\s+it\s+as|defines|"
    r"explains|explained|notes|noted|states|stated|describes\s+it\s+as|described\s+it\s+as|observes|argues|"
    # the same in the other languages whose "What is X" headings are read: es, de, fr, zh
    r"dijo|dice|escribió|escribe|define|sagt|sagte|schreibt|schrieb|definiert|a\s+dit|dit|a\s+écrit|écrit|"
    r"définit|说|說"
)
_LONG_VERBS = (
    r"(?:has\s+|have\s+|had\s+)?(?:mentioned|mentions|explained|explains|described|describes|wrote|writes|"
    r"said|says|stated|states|noted|notes|defined|defines|put|puts|argued|argues|observed|observes)"
)
_END = r"\s*[:,.…]?\s*$"
_LEAD_INS = r"according\s+to|per|from|as|in\s+the\s+words\s+of|quoting|via"

_LINK_THEN_VERB = re.compile(rf"^{_LINK}\s*(?:{_VERBS}){_END}", re.I)
_LEAD_IN_LINK = re.compile(rf"^(?:{_LEAD_INS})\s+{_LINK}(?:\s+(?:{_VERBS}))?{_END}", re.I)
# "[X](url) has mentioned embeddings in his [article](url)", "[X](url) explains that", "… describes it as:"
_LINK_THEN_LONG_VERB = re.compile(
    rf"^{_LINK}\s+{_LONG_VERBS}\b(?P<rest>[^{_LINK}]{{0,160}}?)(?:{_LINK}(?P<tail>[^{_LINK}]{{0,60}}))?$", re.I)
_ENDS_AS_LEAD = re.compile(r"(?:\bthat|\bas|:|,|…)\s*[.:]?\s*$", re.I)
_BOOK = re.compile(
    rf"^(?:in|from)\s+(?:the\s+)?{_LINK}(?:\s+book)?\s*,?\s+(?:(?:written|edited|authored)\s+)?by\s+"
    rf"(?P<by>{_LINK}(?:\s*(?:,|&|\band\b)\s*{_LINK})*)(?P<rest>[^{_LINK}]{{0,200}})$", re.I)
_NAME = r"(?P<name>[^\W\d_][\w .&'’/()+-]{0,79}?)"
_NAME_THEN_VERB = re.compile(rf"^{_NAME}\s+(?:{_VERBS}){_END}", re.I)
_VERB_INITIALS = "".join(sorted({verb[0] for verb in _VERBS.split("|")}))
_VERB_AT_END = re.compile(rf"\s(?=[{_VERB_INITIALS}])(?:{_VERBS}){_END}", re.I)
_VERB_AT_END_CHARS = 3 + max(len(verb.replace(r"\s+", " ")) for verb in _VERBS.split("|"))
"""How a ``_NAME_THEN_VERB`` line ends (the lookahead spares trying each verb after each space), and
its most characters, in a text whose spaces are single."""
_LEAD_IN_NAME = re.compile(rf"^(?:according\s+to|in\s+the\s+words\s+of){{1}}\s+{_NAME}{_END}", re.I)
_BROKEN_LINK_THEN_VERB = re.compile(rf"^\[(?P<name>[^\]\n]+)\]\((?P<url>[^\n]+)\)\s+(?:{_VERBS}){_END}", re.I)
_BRACKETED_TITLE = re.compile(r"^\[(?P<name>[^\[\]\n]{3,200})\]\s*:?$")
_TRAILING_LEAD = r"(?:[—–―~]|-{1,2}|(?:source|sources|reference|references|ref|from|via|credit|cited\s+from)\s*:|via)"
_TRAILING_LINK = re.compile(rf"^{_TRAILING_LEAD}\s*{_LINK}\s*[.]?\s*$", re.I)
_TRAILING_NAME_LINK = re.compile(
    rf"^(?:[—–―~]|-{{1,2}})\s*(?P<name>[^\W\d_][^{_LINK}\n]{{0,80}}?)\s*,\s*{_LINK}\s*[.]?\s*$")
"""``— D. Sculley, [Hidden Technical Debt](url)``: the person, then the work quoted."""
_TRAILING_NAME = re.compile(
    r"^(?:[—–―~]|-{2}|(?:source|reference|from|credit)\s*:)\s*(?P<name>[^\W\d_][^\n]{0,100}?)\s*[.]?\s*$", re.I)
_PARTICLES = frozenset({"de", "van", "von", "der", "la", "le", "of", "the", "&"})
_GENERIC_SUBJECTS = frozenset({
    "it", "he", "she", "they", "we", "i", "you", "someone", "somebody", "everyone", "the docs", "this", "that",
    "the author", "the post", "the article", "as", "so", "the quote above",
})
_ROLE = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<role>[^()]{2,80})\)\s*$")

# Month names, English and Thai (full and abbreviated), by number.
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate([
    "january jan มกราคม ม.ค.", "february feb กุมภาพันธ์ ก.พ.", "march mar มีนาคม มี.ค.", "april apr เมษายน เม.ย.",
    "may พฤษภาคม พ.ค.", "june jun มิถุนายน มิ.ย.", "july jul กรกฎาคม ก.ค.", "august aug สิงหาคม ส.ค.",
    "september sep sept กันยายน ก.ย.", "october oct ตุลาคม ต.ค.", "november nov พฤศจิกายน พ.ย.",
    "december dec ธันวาคม ธ.ค.",
], start=1):
    for _name in _names.split():
        _MONTHS[_name] = _number
_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_TRAILING_DATE = re.compile(
    rf"(?:\s*[,(–—-]\s*|\s+)\(?(?:(?P<iso>(?:19|20)\d\d-[01]\d(?:-[0-3]\d)?)|"
    rf"(?:(?P<day>[0-3]?\d)\s+)?(?:(?P<month>{_MONTH})\.?\s*,?\s*)?(?P<year>(?:19|20)\d\d))\)?\s*[.,]?\s*$",
    re.I)


class Attribution(Struct, frozen=True):
    source: SourceRef
    selector: str | None = None
    """The text fragment of the cited URL, without ``:~:``."""
    date: str | None = None


def split_date(name: str) -> tuple[str, str | None]:
    """A source name without a trailing date, and that date (``2019``, ``2026-01``, ``2026-01-16``)."""
    # Every date has a year in 19xx or 20xx: the pattern, tried at each character, is spared without one.
    match = _TRAILING_DATE.search(name) if "19" in name or "20" in name else None
    if match is None or match.start() == 0:
        return name, None
    head = name[: match.start()].rstrip(" ,;:–—-(")
    if not head or not any(c.isalnum() for c in head):
        return name, None
    if match.group("iso"):
        return head, match.group("iso")
    year = match.group("year")
    month = match.group("month")
    if month is None:
        return head, year
    number = _MONTHS[month.lower().rstrip(".") if month.lower().rstrip(".") in _MONTHS else month.lower()]
    day = match.group("day")
    return head, f"{year}-{number:02d}" + (f"-{int(day):02d}" if day else "")


def split_fragment(url: str) -> tuple[str, str | None]:
    """A URL without its text fragment (``#:~:text=…``), and that fragment's directive, decoded."""
    base, sep, directive = url.partition(":~:")
    if not sep or "#" not in base:
        return url, None
    if base.endswith("#"):
        base = base[:-1]
    return base, unquote(directive) or None


def _web(url: str) -> tuple[str | None, str | None]:
    """The cited URL (tracking parameters and text fragment removed) and the fragment."""
    url = url.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    if not url:
        return None, None
    page, selector = split_fragment(url)
    return clean_url(page), selector


def _person(text: str) -> tuple[str, str | None, str | None]:
    """Name, role and date from a link's text such as "Jane Doe (Data Scientist at X)" or "X, 2019"."""
    name = " ".join(text.split())
    name, date = split_date(name)
    role = None
    match = _ROLE.match(name)
    if match is not None and len(match.group("role").split()) >= 2 and not any(
            ch.isdigit() for ch in match.group("role")[:4]):
        name, role = match.group("name").strip(), match.group("role").strip()
    return name, role, date


def _source_from_link(link: LinkSpan) -> Attribution:
    url, selector = _web(link.url)
    name, role, date = _person(link.text)
    if not name or name == link.url.strip() or link.kind == "autolink":
        name = (host_of(url) or url) if url else name
    return Attribution(SourceRef(name or "?", url, role=role), selector, date)


def _web_links(part: Inline) -> list[LinkSpan]:
    return [link for link in part.links if link.kind not in ("wiki", "image")]


def _shape(part: Inline, links: list[LinkSpan]) -> str:
    """The text with each link replaced by one placeholder character, spaces folded."""
    out, at = [], 0
    for link in links:
        out += [part.text[at:link.start], _LINK]
        at = link.end
    out.append(part.text[at:])
    return " ".join("".join(out).split())


def _single_link_form(part: Inline) -> tuple[str, LinkSpan] | None:
    links = [link for link in part.links if link.kind != "wiki"]
    if len(links) != 1:
        return None
    link = links[0]
    return part.text[: link.start] + _LINK + part.text[link.end :], link


def _plain_name(name: str) -> str | None:
    name = " ".join(name.split()).strip(" ,:;")
    if not name or name.lower() in _GENERIC_SUBJECTS or len(name.split()) > 6:
        return None
    # A plain name is a proper name: each word starts with a capital letter or a digit (or is a particle).
    words = [w for w in name.replace("-", " ").split() if w.lower() not in _PARTICLES]
    if not words or not all(w[0].isupper() or w[0].isdigit() for w in words):
        return None
    return name


def plain_source(text: str) -> Attribution | None:
    """A plain name as a source ("Martin Fowler", "-- Chip Huyen, 2019"), with its date."""
    name, date = split_date(" ".join(text.split()).strip(" *_"))
    name = _plain_name(name.strip(" *_")) or ""
    return Attribution(SourceRef(name), None, date) if name else None


def _book(shape: str, links: list[LinkSpan]) -> Attribution | None:
    match = _BOOK.match(shape)
    if match is None:
        return None
    rest = match.group("rest") or ""
    if rest.strip() and not _ENDS_AS_LEAD.search(rest):
        return None
    work = _source_from_link(links[0])
    creators = tuple(
        SourceRef(name, homepage=url if url and is_web_url(url) else None, role=role)
        for name, role, url in ((*_person(link.text)[:2], _web(link.url)[0]) for link in links[1:])
        if name
    )
    return Attribution(SourceRef(work.source.name, work.source.url, creators=creators), work.selector, work.date)


def lead_attribution(part: Inline) -> Attribution | None:
    """An attribution that introduces the quotes after it: ``[X](url) said``, ``According to [X](url):``…"""
    text = " ".join(part.text.split())
    if not text or len(text) > 400:
        return None
    links = _web_links(part) if part.links else []
    if links and len(links) == len([link for link in part.links if link.kind != "wiki"]):
        shape = _shape(part, links)
        if len(links) == 1 and (_LINK_THEN_VERB.match(shape) or _LEAD_IN_LINK.match(shape)):
            return _source_from_link(links[0])
        if len(links) >= 2:
            book = _book(shape, links)
            if book is not None:
                return book
        match = _LINK_THEN_LONG_VERB.match(shape)
        if match is not None and len(links) <= 2:
            rest, tail = match.group("rest"), match.group("tail")
            if len(links) == 1:
                if _ENDS_AS_LEAD.search(rest) or not rest.strip(" .:"):
                    return _source_from_link(links[0])
                return None
            # "… in his [medium article](url)": the second link is the page the person wrote.
            if tail is not None and (_ENDS_AS_LEAD.search(tail) or not tail.strip(" .:")):
                person = _source_from_link(links[0])
                page, selector = _web(links[1].url)
                source = person.source
                homepage = source.url if source.url and is_web_url(source.url) else None
                return Attribution(SourceRef(source.name, page, homepage=homepage, role=source.role),
                                   selector, person.date)
        return None
    if part.links:
        return None
    broken = _BROKEN_LINK_THEN_VERB.match(text)
    if broken:
        url, selector = _web(broken.group("url"))
        return Attribution(SourceRef(" ".join(broken.group("name").split()), url), selector)
    for find in (_name_then_verb, _LEAD_IN_NAME.match):
        match = find(text)
        name = _plain_name(match.group("name")) if match else None
        if name:
            return Attribution(SourceRef(name, None), None)
    return None


def _name_then_verb(text: str) -> re.Match[str] | None:
    """``_NAME_THEN_VERB`` in ``text`` (its spaces single), whose end is looked at first: that is quick."""
    if _VERB_AT_END.search(text, max(0, len(text) - _VERB_AT_END_CHARS)) is None:
        return None
    return _NAME_THEN_VERB.match(text)


def link_alone(part: Inline) -> Attribution | None:
    """A paragraph that is one web link and nothing else but maybe a colon (``<url>``, ``[X](url):``;
    not an image), or a title in brackets with no address (``[Some article]``), as the source of the
    quote right after it."""
    if not part.links:
        match = _BRACKETED_TITLE.match(part.text.strip())
        return Attribution(SourceRef(" ".join(match.group("name").split()))) if match else None
    form = _single_link_form(part)
    if (form is None or form[0].strip() not in (_LINK, _LINK + ":") or form[1].kind == "image"
            or not is_web_url(form[1].url.strip())):
        return None
    return _source_from_link(form[1])


def trailing_attribution(part: Inline) -> Attribution | None:
    """An attribution that closes a quote: ``— [X](url)``, ``Source: [X](url)``, ``— Chip Huyen``."""
    text = " ".join(part.text.split())
    if not text or len(text) > 200:
        return None
    form = _single_link_form(part)
    if form is not None:
        shape, link = form
        shape = " ".join(shape.split())
        if _TRAILING_LINK.match(shape):
            return _source_from_link(link)
        by = _TRAILING_NAME_LINK.match(shape)
        person = plain_source(by.group("name")) if by else None
        if person is None:
            return None
        work = _source_from_link(link)
        return Attribution(SourceRef(person.source.name, work.source.url), work.selector, person.date or work.date)
    if part.links:
        return None
    match = _TRAILING_NAME.match(text)
    return plain_source(match.group("name")) if match else None


def cited_work(part: Inline) -> Attribution | None:
    """The one work a reference line names: its one web link, named after a title in quotation
    marks (a citation such as ``A. Author, “Title,” in …``), else the link's text, else its host."""
    links = _web_links(part)
    if len(links) != 1:
        return None
    found = _source_from_link(links[0])
    title = re.search(r"[“\"](?P<title>[^”\"]{8,200}?)[,.]?[”\"]", part.text)
    if title is not None:
        return Attribution(SourceRef(title.group("title").strip(), found.source.url), found.selector, found.date)
    link_text = links[0].text.strip()
    if re.fullmatch(r"[\d./:-]+|(?:https?://|doi:).*", link_text) and found.source.url:
        return Attribution(SourceRef(host_of(found.source.url) or found.source.url, found.source.url),
                           found.selector, found.date)
    return found
