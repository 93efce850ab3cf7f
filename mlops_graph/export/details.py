"""What the page says about each node: its canvas label, its details panel and its search terms.

Every string from a note is made text that is shown, never obeyed: bidi controls are written as
their code points, and only an absolute http(s) URL becomes a link's target (:func:`safe_http_url`).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

__all__ = ["DETAIL_LIST_MAX", "LABEL_MAX_CHARS", "full_label", "node_details", "safe_http_url", "short_label"]

#: Canvas labels longer than this many characters are cut and end with "…".
LABEL_MAX_CHARS = 28
#: Lists in the details panel show at most this many items, then say how many more there are.
DETAIL_LIST_MAX = 50

_URL_STRIP = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17" \
    "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
_URL_UNSAFE = re.compile(r"[\x00-\x20\"'<>\\^`{|}\x7f]")

Row = dict[str, Any]
Json = dict[str, Any]


def _text(value: Any) -> str | None:
    """A value as text for the page: bidi controls shown, never obeyed (see :func:`_shown`)."""
    if value is None:
        return None
    return _shown(value if isinstance(value, str) else str(value))


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Embeddings, overrides and isolates: they reorder the text around them when displayed."""


def _shown(text: str) -> str:
    """``text`` with each bidi control written as its code point (``⟨U+202E⟩``), so that a label, a
    title or a link's text reads as stored: ``https://evil.example/\u202emoc.elgoog`` must not look
    like ``…/google.com``."""
    if _BIDI_CONTROLS.search(text) is None:
        return text
    return _BIDI_CONTROLS.sub(lambda m: f"\u27e8U+{ord(m.group()):04X}\u27e9", text)


def full_label(node_id: str, attrs: Mapping[str, Any]) -> str:
    return _text(attrs.get("label")) or node_id


def short_label(text: str, limit: int = LABEL_MAX_CHARS) -> str:
    """Collapse whitespace and cut ``text`` to ``limit`` characters, ending with "…" when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit - 1].rstrip() + "…"


def safe_http_url(value: str) -> str | None:
    """The URL to put in a link's ``href``, or None unless ``value`` is an absolute http(s) URL.

    The string is first cleaned the way browsers clean an ``href`` (surrounding C0 controls and spaces
    removed, tabs and line breaks dropped), so that ``" JavaScript:…"`` or ``"java\\nscript:…"`` are seen
    for what they are. Characters that may not appear in a URL are percent-encoded.
    """
    cleaned = value.strip(_URL_STRIP).replace("\t", "").replace("\n", "").replace("\r", "")
    try:
        parts = urllib.parse.urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not parts.hostname:
        return None
    if not cleaned[len(parts.scheme):].startswith("://"):
        return None
    if _URL_UNSAFE.search(cleaned) is None:
        return cleaned
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", cleaned)


def _text_row(name: str, value: Any) -> Row | None:
    text = _text(value)
    return {"name": name, "text": text} if text else None


def _items_row(name: str, values: Any) -> Row | None:
    if not isinstance(values, list | tuple):
        return None
    items: list[str] = []
    more = 0
    for i, value in enumerate(values):
        text = _text(value)
        if text:
            items.append(text)
            if len(items) == DETAIL_LIST_MAX:
                more = _count_texts(values[i + 1:])
                break
    if not items:
        return None
    return {"name": name, "items": items, "more": more}


def _count_texts(values: list[Any] | tuple[Any, ...]) -> int:
    """How many of ``values`` are not empty as text (a concept's list can be 100,000 long)."""
    if set(map(type, values)) <= {str}:
        return len(values) - values.count("")
    return sum(1 for value in values if _text(value))


def _url_row(name: str, value: Any) -> Row | None:
    text = _text(value)
    if not text:
        return None
    row: Row = {"name": name, "text": text}
    href = safe_http_url(value if isinstance(value, str) else str(value))
    if href is not None:
        row["href"] = href
    return row


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def node_details(node_id: str, attrs: Mapping[str, Any], kind: str) -> Json:
    """The page's record of one node: its label, its kind, its details panel rows and its search terms."""
    raw = attrs.get("details")
    details: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    label = full_label(node_id, attrs)
    rows: list[Row | None] = []
    search: list[str] = []
    if kind in ("definition", "quote"):
        source = _text(details.get("source"))
        rows += [
            _text_row("Quote", details.get("text")),
            _text_row("Defines" if kind == "definition" else "About", details.get("term")),
            _text_row("Source", source if source else "the note's author"),
            _text_row("Note", details.get("note")),
            _text_row("Date", details.get("date") or "unknown"),
            _url_row("Cited URL", details.get("url")),
        ]
    elif kind == "concept":
        labels = details.get("labels")
        if isinstance(labels, list | tuple):
            search += [text for text in (_text(v) for v in labels) if text]
        rows.append(_items_row("Labels", labels))
        sources = details.get("sources")
        if isinstance(sources, int):
            rows.append(_text_row("Sources", _plural(sources, "distinct source")))
        rows.append(_items_row("Definitions mentioning it", details.get("definitions")))
    elif kind == "note":
        rows += [
            _text_row("Title", details.get("title")),
            _text_row("File", details.get("file")),
            _text_row("Date", details.get("date") or "unknown"),
            _text_row("Type", details.get("notetype")),
            _items_row("Tags", details.get("tags")),
        ]
        title = _text(details.get("title"))
        if title:
            search.append(title)
    elif kind == "source":
        count = details.get("definitions")
        rows += [
            _text_row("Name", details.get("name")),
            _text_row("Host", details.get("host")),
            _text_row("Definitions", _plural(count, "definition") if isinstance(count, int) else None),
        ]
    elif kind == "page":
        rows += [_url_row("URL", details.get("url")), _text_row("Source", details.get("source"))]
        url = _text(details.get("url"))
        if url:
            search.append(url)
    folded = attrs.get("folded")
    if isinstance(folded, Mapping):
        summary = (f"{_plural(int(folded.get('definitions', 0)), 'definition')} in "
                   f"{_plural(int(folded.get('notes', 0)), 'note')}")
        if kind == "source":
            summary += f", {_plural(int(folded.get('pages', 0)), 'cited page')}"
        if kind == "concept" and int(folded.get("defining", 0)):
            summary += f"; defined by {_plural(int(folded.get('defining', 0)), 'definition')}"
        rows.insert(0, {"name": "Folded", "text": summary})
    rows.append({"name": "IRI", "text": _shown(node_id)})
    return {
        "iri": node_id,
        "label": label,
        "kind": kind,
        "rows": [row for row in rows if row is not None],
        "search": [text for text in dict.fromkeys(search) if text and text != label],
    }
