"""Who said it: attribution lines before and after blockquotes.

The grammar of attributions is this project's own, so it is written here; it runs over paragraphs
that the CommonMark parser has already reduced to text plus link spans, never over raw lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlops_graph.extract.urls import clean_url, host_of, is_web_url
from mlops_graph.model import SourceRef
from mlops_graph.read.markdown import Inline, LinkSpan

_LINK = "\x00"
_VERBS = (
    r"said|says|say|wrote|writes|write|puts\s+it|put\s+it|defines\s+it\s+as|defined\s+it\s+as|defines|"
    r"explains|explained|notes|noted|states|stated|describes\s+it\s+as|described\s+it\s+as|observes|argues"
)
_END = r"\s*[:,.…]?\s*$"
_LEAD_INS = r"according\s+to|per|from|as|in\s+the\s+words\s+of|quoting|via"

_LINK_THEN_VERB = re.compile(rf"^{_LINK}\s+(?:{_VERBS}){_END}", re.I)
_LEAD_IN_LINK = re.compile(rf"^(?:{_LEAD_INS})\s+{_LINK}(?:\s+(?:{_VERBS}))?{_END}", re.I)
_NAME = r"(?P<name>[^\W\d_][\w .&'’/()+-]{0,79}?)"
_NAME_THEN_VERB = re.compile(rf"^{_NAME}\s+(?:{_VERBS}){_END}", re.I)
_LEAD_IN_NAME = re.compile(rf"^(?:according\s+to|in\s+the\s+words\s+of){{1}}\s+{_NAME}{_END}", re.I)
_BROKEN_LINK_THEN_VERB = re.compile(rf"^\[(?P<name>[^\]\n]+)\]\((?P<url>[^\n]+)\)\s+(?:{_VERBS}){_END}", re.I)
_TRAILING_LINK = re.compile(rf"^(?:[—–―~]|-{{1,2}}|source\s*:|from\s*:|via\s*:?)\s*{_LINK}\s*[.]?\s*$", re.I)
_TRAILING_NAME = re.compile(rf"^(?:[—–―~]|-{{2}}|source\s*:)\s*{_NAME}\s*[.]?\s*$", re.I)
_PARTICLES = frozenset({"de", "van", "von", "der", "la", "le", "of", "the", "&"})
_GENERIC_SUBJECTS = frozenset({
    "it", "he", "she", "they", "we", "i", "you", "someone", "somebody", "everyone", "the docs", "this", "that",
    "the author", "the post", "the article", "as", "so", "the quote above",
})


@dataclass(frozen=True, slots=True)
class Attribution:
    source: SourceRef
    url_raw: str | None
    """The URL as written, before tracking parameters were dropped."""


def _source_from_link(link: LinkSpan) -> Attribution:
    url = link.url.strip()
    name = " ".join(link.text.split())
    if not name or name == url or link.kind == "autolink":
        name = host_of(url) or url
    return Attribution(SourceRef(name, clean_url(url) if url else None), url or None)


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


def lead_attribution(part: Inline) -> Attribution | None:
    """An attribution that introduces the quotes after it: ``[X](url) said``, ``According to [X](url):``…"""
    text = " ".join(part.text.split())
    if not text or len(text) > 300:
        return None
    form = _single_link_form(part)
    if form is not None:
        shape, link = form
        shape = " ".join(shape.split())
        if _LINK_THEN_VERB.match(shape) or _LEAD_IN_LINK.match(shape):
            return _source_from_link(link)
        return None
    if part.links:
        return None
    broken = _BROKEN_LINK_THEN_VERB.match(text)
    if broken:
        url = broken.group("url").strip()
        if url.startswith("<") and url.endswith(">"):
            url = url[1:-1].strip()
        return Attribution(SourceRef(" ".join(broken.group("name").split()), clean_url(url)), url)
    for pattern in (_NAME_THEN_VERB, _LEAD_IN_NAME):
        match = pattern.match(text)
        if match:
            name = _plain_name(match.group("name"))
            if name:
                return Attribution(SourceRef(name, None), None)
    return None


def link_alone(part: Inline) -> Attribution | None:
    """A paragraph that is one web link and nothing else but maybe a colon (``<url>``, ``[X](url):``;
    not an image), as the source of the quote right after it."""
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
        if _TRAILING_LINK.match(" ".join(shape.split())):
            return _source_from_link(link)
        return None
    if part.links:
        return None
    match = _TRAILING_NAME.match(text)
    if match:
        name = _plain_name(match.group("name"))
        if name:
            return Attribution(SourceRef(name, None), None)
    return None
