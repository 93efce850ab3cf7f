"""From one note file's text to a ``Note``: front matter, title, term, quotes, links and prose.

How a note is read, as its author sees it in Obsidian, Quartz or a Jekyll garden:

- title: the front matter ``title``; without one, the file name (``title-from = "file"``, the
  default) or the first heading (``title-from = "heading"``), and the file name when there is none;
- dates: ``DATE_KEYS`` give the note's date, ``MODIFIED_KEYS`` the date it was last changed, in any
  spelling (``date created``, ``dateCreated``, ``created_at``, ``last_modified`` …) and with a time
  (``2023-01-05 14:32``, ``2022-03-14 10:00:00 +0700``); a date that cannot be read is reported;
- tags: the front matter ``tags`` and ``#tags`` in the text and in headings, nested (``#ml/ops``)
  or emoji (``#🌱``), never a hex colour (``#ffff00``), nor inside code, math, links or URLs; a
  paragraph of tags only is not prose;
- links: wiki-links and embedded notes (``![[note]]``) are links to notes; images and attachments
  are not (see :mod:`mlops_graph.read.markdown`); a text left empty by markup is no passage;
- front matter lists of text or numbers (``cssclasses``, ``aliases`` of a plugin) are kept as one
  metadata entry per item; mappings (make.md's ``_links`` …) are not, and are reported once per key;
- an empty note (an Obsidian folder note) is still a note, with its title, and a link target.
"""

from __future__ import annotations

import datetime as dt
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
from mlops_graph.read.markdown import Block, Inline, parse_blocks, split_last_line, strip_tags
from mlops_graph.read.noncharacters import MESSAGE as NONCHARACTER_MESSAGE
from mlops_graph.read.noncharacters import has_noncharacter, lines_with_noncharacters, replace_noncharacters

#: Spellings of the key that holds a note's date, best first, in the form ``_key_form`` gives.
DATE_KEYS = ("date", "created", "datecreated", "createdat", "createdon", "creationdate", "createddate")
#: Spellings of the key that holds the date a note was last changed, best first.
MODIFIED_KEYS = ("updated", "modified", "lastmodified", "lastmodifiedat", "datemodified", "modifiedat",
                 "dateupdated", "updatedat", "lastupdated", "lastmod", "modifieddate")
#: Front matter keys with a meaning of their own; every other key is kept as metadata.
KNOWN_KEYS = ("title", "notetype", "author", "aliases", "tags", "lang", "language")
MAX_LIST_ITEMS = 200
MAX_SCALAR_CHARS = 10_000
MAX_EXTRA_KEYS = 1_000

_EMOJI = "\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f\u200d"
_INLINE_TAG = re.compile(rf"(?<![\w&#/\\])#(?P<tag>[\w{_EMOJI}][\w/{_EMOJI}-]*)", re.UNICODE)
_TAGS_ONLY = re.compile(rf"\s*(?:#[\w/{_EMOJI}-]+\s*)+", re.UNICODE)
_HEX = re.compile(r"[0-9a-fA-F]+")
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
_WIKIPEDIA_LANG = re.compile(r"^(?P<lang>[a-z]{2,3})\.(?:m\.)?wikipedia\.")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")


SECTION_HEADINGS = frozenset({
    "abstract", "acknowledgements", "advantages", "advantages and disadvantages", "appendix", "approach",
    "background", "bibliography", "conclusion", "conclusions", "contents", "definition", "definitions", "details",
    "disadvantages", "discussion", "evaluation", "example", "examples", "experiments", "faq", "further reading",
    "future work", "highlights", "how does it work", "how it works", "how to", "how to do", "how to use", "idea",
    "ideas", "implementation", "in short", "input", "inputs", "installation", "intro", "introduction", "items",
    "key ideas", "key points", "key takeaways", "learnings", "lessons learned", "limitations", "links", "method",
    "methodology", "methods", "motivation", "my notes", "my thoughts", "next steps", "note", "notes",
    "other notes", "output", "outputs", "overview", "paper info", "problem", "problem statement",
    "pros and cons", "questions", "quotes", "reading", "recap", "reference", "references", "related",
    "related notes", "related work", "resource", "resources", "result", "results", "see also", "setup",
    "solution", "solutions", "source", "sources", "steps", "summary", "table of contents", "takeaways",
    "thoughts", "tl dr", "tldr", "todo", "to do", "usage", "what is it", "what is this", "why",
    "why it matters", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
})
"""Headings that name a part of a note, never a thing ("Resources", "How it works", "Three"), in
the form :func:`_heading_form` gives."""
_SECTION_WORDS = re.compile(
    r"^(?:part|step|stage|phase|scenario|section|chapter|case|example|option|level|round|week|day|lesson|"
    r"lecture|module|episode|question|q|a)\s*\d+$")
"""A part of a note by its number: "Scenario 1", "Step 2"."""
_QUESTION_WORDS = frozenset({
    "what", "how", "why", "when", "where", "who", "whom", "whose", "which", "is", "are", "do", "does", "did", "can",
    "could", "should", "would", "will", "shall", "may", "might",
})
_VERBS = frozenset({
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "can", "cannot", "can't", "could",
    "should", "would", "will", "won't", "does", "doesn't", "do", "don't", "did", "isn't", "aren't", "must",
})
"""Words that make a title a sentence ("Churn is hard to predict")."""
_PRONOUNS = frozenset(["it", "this", "that", "these", "those", "they", "them", "he", "she", "we", "you", "i"])


def _heading_form(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]+", " ", text.casefold()).split())


def names_a_thing(label: str) -> bool:
    """Whether a title, alias, tag or heading names a thing a concept can stand for: a name of at
    most six words, not a section of a note ("Resources", "Scenario 1", "1. Setup"), not a question
    ("What is it?", "How does it work") nor a pronoun ("it"), and not a sentence or a subtitle
    (with a verb such as "is" or "can", ending in ``.``, ``?``, ``!`` or ``:``, or split by a dash
    or a colon)."""
    text = " ".join(label.split())
    words = text.split()
    if not words or len(words) > 6 or not any(c.isalpha() for c in text):
        return False
    if text[-1] in ".?!:;" or re.search(r"\s[—–-]\s|:\s|^\d+[.)]\s", text):
        return False
    form = _heading_form(text)
    folded = [word.casefold() for word in words]
    return not (form in SECTION_HEADINGS or _SECTION_WORDS.match(form) or folded[0] in _QUESTION_WORDS
                or _VERBS.intersection(folded) or (len(words) == 1 and folded[0] in _PRONOUNS))


def _key_form(key: str) -> str:
    """A front matter key without case, spaces, hyphens and underscores: ``Date Created`` is ``datecreated``."""
    return re.sub(r"[\s_-]+", "", key.casefold())


def is_tag(tag: str) -> bool:
    """Whether ``#tag`` is a tag: not only digits (``#1``), and not a hex colour (``#ffff00``,
    ``#ffaa00``, ``#ffff0080``, ``#f0a``, ``#fff``; three or four letters a–f alone are a colour
    only when they repeat one letter, so ``#fab`` and ``#cafe`` are tags)."""
    if not tag or tag.isdigit():
        return False
    if _HEX.fullmatch(tag) and len(tag) in (3, 4, 6, 8):
        return len(tag) < 6 and not any(c.isdigit() for c in tag) and len(set(tag.lower())) > 1
    return True


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


def file_title(rel: str) -> str:
    """The title Obsidian shows for a file: its name without the folder and the ``.md``."""
    return rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]


class _NoteReader:
    def __init__(self, rel: str, date_order: str, title_from: str = "file") -> None:
        self.rel = rel
        self.date_order = date_order
        self.title_from = title_from
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
        if title is not None and "<" in title:
            title = strip_tags(title)
        headings = [b for b in blocks if b.kind == "heading" and b.parts]
        first_heading = headings[0] if headings else None
        if title is None and self.title_from == "heading" and first_heading is not None:
            title = first_heading.parts[0].text.strip()
        if not title:
            title = file_title(self.rel)
        title = " ".join(title.split())

        date = self.date(values, lines, DATE_KEYS)
        modified = self.date(values, lines, MODIFIED_KEYS)
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
        dates = {key for key in values if _key_form(key) in DATE_KEYS or _key_form(key) in MODIFIED_KEYS}
        # YAML aliases can repeat one long value under many keys: what is kept never exceeds the
        # note's own length, nor MAX_EXTRA_KEYS keys.
        budget = len(text)
        for key, value in values.items():
            if key in KNOWN_KEYS or key in dates:
                continue
            items = value[:MAX_LIST_ITEMS] if isinstance(value, list) else [value]
            if any(item is not None and not is_scalar(item) for item in items):
                structured.append(key)
                continue
            items = list(dict.fromkeys(items))
            over = False
            for item in items:
                kept = self.scalar(key, item, lines.get(key))
                if kept is None:
                    continue
                budget -= len(key) + len(kept)
                if budget < 0 or len(extra) >= MAX_EXTRA_KEYS:
                    self.problem(lines.get(key), f"front matter has more metadata than the note's own text "
                                 f"(YAML aliases?); keys from {key!r} on are not kept")
                    over = True
                    break
                extra.append((key, kept))
            if over:
                break
        for key in structured:
            self.problem(lines.get(key), structured_message(key), "warning")

        quotes, passages, wikilinks, tags_inline, pairs, term = self.body(blocks, first_heading, title, lang)
        tags = self.string_list("tags", values.get("tags"), lines.get("tags"))
        tags = tuple(dict.fromkeys(tags + tags_inline))
        return Note(
            path=self.rel,
            slug=note_slug(self.rel),
            title=title,
            term=term,
            date=date,
            modified=modified,
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

    def date(self, values: dict[str, object], lines: dict[str, int], spellings: tuple[str, ...]) -> dt.date | None:
        """The first readable date under one of ``spellings``; each unreadable one is reported."""
        found = sorted((spellings.index(_key_form(key)), key) for key in values if _key_form(key) in spellings)
        date = None
        for _rank, key in found:
            if values[key] is None:
                continue
            try:
                parsed = parse_date(values[key], self.date_order)
            except DateError as exc:
                self.problem(lines.get(key), exc.message if key == "date" else f"{key}: {exc.message}")
                continue
            date = date or parsed
        return date

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
                if link.kind == "wiki" or link.kind == "embed":
                    target = link.url.split("|", 1)[0].split("#", 1)[0].strip()
                    if target:
                        wikilinks.append(WikiLink(target, part.line))

        for index, block in enumerate(blocks):
            if index in consumed:
                continue
            for part in block.parts:
                collect(part)
                if block.kind != "code":
                    tags.extend(_inline_tags(part))
            if block.kind == "heading":
                pending = link_paragraph = None
                if block is not first_heading and block.parts:
                    # A section heading ("Resources", "Basic usage") names a part of the note, not a
                    # term: only one that asks what something is ("What is X") gives its own.
                    current_term, asks = term_from_heading(block.parts[0].text)
                    if not (asks and names_a_thing(current_term)):
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
            if block.kind == "code":
                continue
            for part in block.parts:
                if part.text.strip() and not _TAGS_ONLY.fullmatch(part.text):
                    passages.append(Passage(part.text, part.line, part.code_spans))
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
        tag = match.group("tag").rstrip("/-")
        if is_tag(tag) and not any(a <= match.start() < b for a, b in blocked):
            found.append(tag)
    return found


_STRUCTURED_END = "(plugin data?), which has no place in the graph; not kept"


def structured_message(key: str) -> str:
    """The message for a front matter key whose value is a mapping, or a list holding one."""
    return f"front matter key {key!r} holds a mapping or a list of them {_STRUCTURED_END}"


def once_per_key(problems: list[Problem]) -> list[Problem]:
    """The problems, with those :func:`structured_message` made for one key in several notes
    given once, at the first note, saying in how many notes the key is."""
    by_message: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.message.endswith(_STRUCTURED_END):
            by_message.setdefault(problem.message, []).append(problem)
    result = []
    for problem in problems:
        same = by_message.get(problem.message)
        if same is None or len(same) == 1:
            result.append(problem)
        elif same[0] is problem:
            result.append(Problem(problem.path, problem.line, f"{problem.message} (in {len(same)} notes, "
                                                              f"reported here once)", problem.severity))
    return result


def read_note(rel: str, text: str, date_order: str = "DMY", title_from: str = "file") -> ReadResult:
    """Read one note's decoded text. Problems are collected. An empty note (an Obsidian folder
    note) is a note with its file name as title."""
    reader = _NoteReader(rel, date_order, title_from)
    note = reader.read(text)
    return ReadResult(rel, note, tuple(reader.problems))
