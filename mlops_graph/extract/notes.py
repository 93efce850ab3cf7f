"""From one note file's text to a ``Note``: front matter, title, term, quotes, links and prose."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pyoxigraph as ox

from mlops_graph.errors import DateError
from mlops_graph.extract.attribution import lead_attribution, link_alone, trailing_attribution
from mlops_graph.extract.terms import alias_pairs, term_from_heading
from mlops_graph.extract.urls import host_of, is_web_url
from mlops_graph.model import Note, Passage, Problem, Quote, ReadResult, SourceRef, WikiLink
from mlops_graph.read.dates import parse_date
from mlops_graph.read.frontmatter import describe, is_scalar, split_front_matter
from mlops_graph.read.markdown import Block, Inline, parse_blocks, split_last_line
from mlops_graph.read.noncharacters import MESSAGE as NONCHARACTER_MESSAGE
from mlops_graph.read.noncharacters import has_noncharacter, lines_with_noncharacters, replace_noncharacters

#: Front matter keys with a meaning of their own; every other scalar key is kept as metadata.
KNOWN_KEYS = ("title", "date", "notetype", "author", "aliases", "tags", "lang", "language")
MAX_LIST_ITEMS = 200
MAX_SCALAR_CHARS = 10_000
MAX_EXTRA_KEYS = 1_000

_INLINE_TAG = re.compile(r"(?<![\w&#/\\])#(?P<tag>[^\W\d_][\w/-]*[\w])", re.UNICODE)
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
_WIKIPEDIA_LANG = re.compile(r"^(?P<lang>[a-z]{2,3})\.(?:m\.)?wikipedia\.")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens; ``/`` separates folders and is kept."""
    parts = []
    for piece in text.split("/"):
        folded = unicodedata.normalize("NFKD", piece).encode("ascii", "ignore").decode("ascii").lower()
        words = re.findall(r"[a-z0-9]+", folded)
        if words:
            parts.append("-".join(words))
    return "/".join(parts)


def note_slug(rel: str) -> str:
    """The slug of a note file's relative path, without its suffix; never empty, never ``..``."""
    stem = rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel
    slug = slugify(stem)
    if not slug:
        slug = "note-" + hashlib.sha256(rel.encode("utf-8")).hexdigest()[:10]
    return slug


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _well_formed_lang(tag: str) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 language tag, as RDF requires of a literal's language
    (``en-12`` has the shape of one but not the grammar: a region is two letters or three digits)."""
    try:
        ox.Literal("", language=tag)
    except ValueError:
        return False
    return True


def _lang_of_quote(text: str, source: SourceRef | None, note_lang: str | None) -> str | None:
    """A language tag only where it is known: a script that names one language, a Wikipedia
    language edition, or the note's own ``lang``. Otherwise none."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if source is not None and source.url:
        host = host_of(source.url) or ""
        match = _WIKIPEDIA_LANG.match(host)
        if match:
            return match.group("lang")
    return note_lang


class _NoteReader:
    def __init__(self, rel: str, date_order: str) -> None:
        self.rel = rel
        self.date_order = date_order
        self.problems: list[Problem] = []

    def problem(self, line: int | None, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.rel, line, message, "warning" if severity == "warning" else "error"))

    def string_list(self, key: str, value: object, line: int | None) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",")] if key == "tags" else [value.strip()]
        elif isinstance(value, list):
            items = []
            for item in value[:MAX_LIST_ITEMS]:
                if is_scalar(item):
                    items.append(_scalar_text(item).strip())
                else:
                    self.problem(line, f"{key} has an item that is {describe(item)}, not text; item ignored")
            if len(value) > MAX_LIST_ITEMS:
                self.problem(line, f"{key} has {len(value)} items; only the first {MAX_LIST_ITEMS} are kept")
        elif is_scalar(value):
            self.problem(line, f"{key} is {describe(value)}, not a list; read as one item", "warning")
            items = [_scalar_text(value)]
        else:
            self.problem(line, f"{key} is {describe(value)}, not a list; ignored")
            return ()
        if key == "tags":
            items = [t.lstrip("#").strip() for t in items]
        return tuple(dict.fromkeys(i for i in items if i))

    def scalar(self, key: str, value: object, line: int | None) -> str | None:
        if value is None:
            return None
        if not is_scalar(value):
            self.problem(line, f"{key} is {describe(value)}, not a single value; ignored")
            return None
        text = _scalar_text(value).strip()
        if len(text) > MAX_SCALAR_CHARS:
            self.problem(line, f"{key} is {len(text)} characters long; cut to {MAX_SCALAR_CHARS}", "warning")
            text = text[:MAX_SCALAR_CHARS]
        return text or None

    def read(self, text: str) -> Note:
        if has_noncharacter(text):
            for at in lines_with_noncharacters(text):
                self.problem(at, NONCHARACTER_MESSAGE, "warning")
            text = replace_noncharacters(text)
        fm = split_front_matter(text)
        for line, message in fm.problems:
            self.problem(line, message)
        for line, message in fm.warnings:
            self.problem(line, message, "warning")
        values, lines = fm.values, fm.lines
        replaced: list[int] = []
        blocks = parse_blocks(fm.body, fm.body_line, replaced)
        for at in replaced:
            self.problem(at, NONCHARACTER_MESSAGE, "warning")

        title_value = values.get("title")
        title = self.scalar("title", title_value, lines.get("title"))
        if title is not None and not isinstance(title_value, str):
            self.problem(lines.get("title"), f"title is {describe(title_value)}; read as text {title!r}", "warning")
        headings = [b for b in blocks if b.kind == "heading" and b.parts]
        first_heading = headings[0] if headings else None
        if title is None:
            title = first_heading.parts[0].text.strip() if first_heading else None
        if not title:
            title = self.rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        title = " ".join(title.split())

        date = None
        if "date" in values and values["date"] is not None:
            try:
                date = parse_date(values["date"], self.date_order)
            except DateError as exc:
                self.problem(lines.get("date"), exc.message)
        lang = None
        for key in ("lang", "language"):
            raw = self.scalar(key, values.get(key), lines.get(key))
            if raw is not None:
                if _LANG.match(raw) and _well_formed_lang(raw):
                    lang = raw.lower()
                else:
                    self.problem(lines.get(key), f"{key} {raw!r} is not a language tag such as 'en' or 'pt-BR'")
        extra: list[tuple[str, str]] = []
        structured: list[str] = []
        # YAML aliases can repeat one long value under many keys: what is kept never exceeds the
        # note's own length, nor MAX_EXTRA_KEYS keys.
        budget = len(text)
        for key, value in values.items():
            if key in KNOWN_KEYS:
                continue
            if value is not None and not is_scalar(value):
                structured.append(key)
                continue
            kept = self.scalar(key, value, lines.get(key))
            if kept is None:
                continue
            budget -= len(key) + len(kept)
            if budget < 0 or len(extra) >= MAX_EXTRA_KEYS:
                self.problem(lines.get(key), f"front matter has more metadata than the note's own text "
                             f"(YAML aliases?); keys from {key!r} on are not kept")
                break
            extra.append((key, kept))
        if structured:
            names = ", ".join(repr(k) for k in structured[:10]) + (", …" if len(structured) > 10 else "")
            self.problem(
                lines.get(structured[0]),
                f"front matter key(s) {names} hold lists, mappings or other values that are not "
                f"text, a number or a date; not kept",
            )

        quotes, passages, wikilinks, tags_inline, pairs, term = self.body(blocks, first_heading, title, lang)
        tags = self.string_list("tags", values.get("tags"), lines.get("tags"))
        tags = tuple(dict.fromkeys(tags + tags_inline))
        return Note(
            path=self.rel,
            slug=note_slug(self.rel),
            title=title,
            term=term,
            date=date,
            notetype=self.scalar("notetype", values.get("notetype"), lines.get("notetype")),
            author=self.scalar("author", values.get("author"), lines.get("author")),
            lang=lang,
            aliases=self.string_list("aliases", values.get("aliases"), lines.get("aliases")),
            tags=tags,
            extra=tuple(extra),
            quotes=tuple(quotes),
            wikilinks=tuple(wikilinks),
            passages=tuple(passages),
            alias_pairs=tuple(dict.fromkeys(pairs)),
        )

    def body(
        self, blocks: list[Block], first_heading: Block | None, title: str, lang: str | None
    ) -> tuple[list[Quote], list[Passage], list[WikiLink], tuple[str, ...], list[tuple[str, str]], str]:
        title_term, _ = term_from_heading(title)
        heading_term, definitional = (
            term_from_heading(first_heading.parts[0].text) if first_heading is not None else (title_term, False)
        )
        note_term = heading_term if definitional else title_term
        current_term = note_term
        quotes: list[Quote] = []
        passages: list[Passage] = []
        wikilinks: list[WikiLink] = []
        tags: list[str] = []
        pairs: list[tuple[str, str]] = []
        pending = None
        pending_line = 0
        """The line of the paragraph that named ``pending``."""
        link_paragraph: Inline | None = None
        """The paragraph of a link alone that named ``pending``: a passage again if its quote names
        its own source."""
        warned: set[tuple[int, str]] = set()
        consumed: set[int] = set()

        def collect(part: Inline) -> None:
            for link in part.links:
                if link.kind == "wiki":
                    target = link.url.split("|", 1)[0].split("#", 1)[0].strip()
                    if target:
                        wikilinks.append(WikiLink(target, part.line))

        for index, block in enumerate(blocks):
            if index in consumed:
                continue
            for part in block.parts:
                collect(part)
            if block.kind == "heading":
                pending = link_paragraph = None
                if block is not first_heading and block.parts:
                    current_term, _ = term_from_heading(block.parts[0].text)
                    if not current_term:
                        current_term = note_term
                continue
            if block.kind == "paragraph" and len(block.parts) == 1:
                attribution = lead_attribution(block.parts[0])
                link_paragraph = None
                if attribution is None and index + 1 < len(blocks) and blocks[index + 1].kind == "quote":
                    attribution = link_alone(block.parts[0])
                    link_paragraph = block.parts[0] if attribution is not None else None
                if attribution is not None:
                    pending, pending_line = attribution.source, block.parts[0].line
                    continue
                part = block.parts[0]
                after_first_heading = first_heading is not None and index > 0 and blocks[index - 1] is first_heading
                if after_first_heading and definitional and not quotes:
                    text = " ".join(part.text.split(" ")).strip()
                    quote = Quote(
                        text, part.line, note_term, None, True, lang, part.code_spans, tuple(alias_pairs(text))
                    )
                    quotes.append(quote)
                    pairs.extend(quote.alias_pairs)
                    pending = None
                    continue
            if block.kind == "quote":
                parts = list(block.parts)
                source, source_line = None, block.line
                if len(parts) > 1:
                    own = trailing_attribution(parts[-1])
                    if own is not None:
                        source, source_line = own.source, parts[-1].line
                        parts = parts[:-1]
                if source is None and parts:
                    # "> Quote." then "> — [X](url)" in one paragraph. Only a link: a line "— Yes." or
                    # "— Concept Drift" there is a reply or a list item more often than a name.
                    split = split_last_line(parts[-1])
                    own = (trailing_attribution(split[1])
                           if split is not None and split[0].text.strip() and split[1].links else None)
                    if split is not None and own is not None:
                        source, source_line = own.source, split[1].line
                        parts[-1] = split[0]
                if source is None and index + 1 < len(blocks):
                    following = blocks[index + 1]
                    if following.kind == "paragraph" and len(following.parts) == 1:
                        own = trailing_attribution(following.parts[0])
                        if own is not None:
                            source, source_line = own.source, following.parts[0].line
                            consumed.add(index + 1)
                if source is None:
                    source, source_line = pending, pending_line
                elif link_paragraph is not None:  # not this quote's source, so no later quote's either
                    passages.append(Passage(link_paragraph.text, link_paragraph.line, link_paragraph.code_spans))
                    pending = None
                link_paragraph = None
                if not parts:
                    continue
                text, spans = _join(parts)
                if (source is not None and source.url and not is_web_url(source.url)
                        and (source_line, source.url) not in warned):
                    warned.add((source_line, source.url))
                    self.problem(
                        source_line,
                        f"source link {source.url[:80]!r} is not an http(s) URL; kept as text, not as a cited page",
                        "warning",
                    )
                quote = Quote(
                    text, block.line, current_term, source, False, _lang_of_quote(text, source, lang), spans,
                    tuple(alias_pairs(text)),
                )
                quotes.append(quote)
                pairs.extend(quote.alias_pairs)
                continue
            pending = None
            if block.kind in ("code", "html"):
                continue
            for part in block.parts:
                passages.append(Passage(part.text, part.line, part.code_spans))
                tags.extend(_inline_tags(part))
        return quotes, passages, wikilinks, tuple(dict.fromkeys(tags)), pairs, note_term


def _join(parts: list[Inline]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Paragraphs of one blockquote, separated by a blank line as in the source."""
    chunks: list[str] = []
    spans: list[tuple[int, int]] = []
    offset = 0
    for i, part in enumerate(parts):
        if i:
            chunks.append("\n\n")
            offset += 2
        text = part.text.strip(" ")
        shift = offset - (len(part.text) - len(part.text.lstrip(" ")))
        spans.extend((a + shift, b + shift) for a, b in part.code_spans)
        chunks.append(text)
        offset += len(text)
    return "".join(chunks), tuple(spans)


def _inline_tags(part: Inline) -> list[str]:
    blocked = [(link.start, link.end) for link in part.links] + list(part.code_spans)
    found = []
    for match in _INLINE_TAG.finditer(part.text):
        if not any(a <= match.start() < b for a, b in blocked):
            found.append(match.group("tag"))
    return found


def read_note(rel: str, text: str, date_order: str = "DMY") -> ReadResult:
    """Read one note's decoded text. Problems are collected; only an empty note gives no ``Note``."""
    reader = _NoteReader(rel, date_order)
    if not text.strip():
        reader.problem(None, "is empty; nothing to export")
        return ReadResult(rel, None, tuple(reader.problems))
    note = reader.read(text)
    return ReadResult(rel, note, tuple(reader.problems))
