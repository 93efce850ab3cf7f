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
from mlops_graph.extract.attribution import (
    Attribution,
    cited_work,
    lead_attribution,
    link_alone,
    plain_source,
    split_fragment,
    trailing_attribution,
)
from mlops_graph.extract.quotes import (
    ASIDE_CALLOUTS,
    QUOTE_CALLOUTS,
    is_definitional,
    is_sentence,
    looks_like_aside,
    same_script,
)
from mlops_graph.extract.terms import alias_pairs, term_from_heading
from mlops_graph.extract.urls import clean_url, host_of, is_web_url
from mlops_graph.model import Note, Passage, Problem, Quote, ReadResult, SourceRef, WikiLink
from mlops_graph.read.callouts import read_callout, strip_marker
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
_SCRIPTS = (("ja", "\u3040", "\u30ff"), ("ko", "\uac00", "\ud7af"))
"""Scripts that name one language, as their first and last code points: kana, Hangul syllables.
(Compared, not matched: a character class of the 11,184 syllables takes a millisecond to compile.)"""
#: Front matter keys that name the one work a note is about (its unattributed quotes are the work's).
WORK_KEYS = ("source", "url", "link", "paper", "author")
_WORK_HEADING = re.compile(
    r"^[^\w]*(?P<label>sources?|references?|paper\s+info|paper|original\s+paper|citation)\s*:?\s*$", re.I)
_WORK_LINE = re.compile(r"^\s*(?:source|reference|paper)\s*:", re.I)
_WORK_TITLE = re.compile(r"^\s*title\s*:\s*", re.I)
_WORK_LINK = re.compile(r"^\s*(?:arxiv|paper|link|url|pdf|doi|openreview|acm|ieee)\b", re.I)
_POINTER_REST = re.compile(r"^[\W_]*(?:\w+[\W_]+){0,3}$")


def _points(parts: list[Inline]) -> bool:
    """Whether the passage only points somewhere: every line is links (or wiki links) with at most
    a few words around them ("Read handbook: [X](url)")."""
    for part in parts:
        if not part.links:
            return False
        rest, at = [], 0
        for link in part.links:
            rest.append(part.text[at:link.start])
            at = link.end
        rest.append(part.text[at:])
        if not _POINTER_REST.match(" ".join(rest).strip() + " "):
            return False
    return True


def _link_quote(parts: list[Inline]) -> Attribution | None:
    """A quote that is itself one link whose text is a statement: the linked page is its source."""
    if len(parts) != 1:
        return None
    part = parts[0]
    links = [link for link in part.links if link.kind not in ("wiki", "image")]
    if len(links) != 1 or part.text.strip() != links[0].text.strip() or not is_sentence(links[0].text):
        return None
    found = link_alone(part)
    if found is None or not found.source.url:
        return None
    return Attribution(SourceRef(host_of(found.source.url) or found.source.url, found.source.url), found.selector)


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


_KEY_SEPARATORS = re.compile(r"[\s_-]+")


def _key_form(key: str) -> str:
    """A front matter key without case, spaces, hyphens and underscores: ``Date Created`` is ``datecreated``."""
    return _KEY_SEPARATORS.sub("", key.casefold())


def is_tag(tag: str) -> bool:
    """Whether ``#tag`` is a tag: not only digits (``#1``), and not a hex colour (``#ffff00``,
    ``#ffaa00``, ``#ffff0080``, ``#f0a``, ``#fff``; three or four letters a–f alone are a colour
    only when they repeat one letter, so ``#fab`` and ``#cafe`` are tags)."""
    if not tag or tag.isdigit():
        return False
    if _HEX.fullmatch(tag) and len(tag) in (3, 4, 6, 8):
        return len(tag) < 6 and not any(c.isdigit() for c in tag) and len(set(tag.lower())) > 1
    return True


_SLUG_WORD = re.compile(r"[a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens; ``/`` separates folders and is kept."""
    parts = []
    for piece in text.split("/"):
        folded = unicodedata.normalize("NFKD", piece).encode("ascii", "ignore").decode("ascii").lower()
        words = _SLUG_WORD.findall(folded)
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
    if not text.isascii():
        top = max(text)
        for lang, first, last in _SCRIPTS:
            if top >= first and any(first <= c <= last for c in text):
                return lang
    if source is not None and source.url and "wikipedia." in source.url.lower():
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

        forms = {key: _key_form(key) for key in values}
        date = self.date(values, lines, forms, DATE_KEYS)
        modified = self.date(values, lines, forms, MODIFIED_KEYS)
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
        dates = {key for key, form in forms.items() if form in DATE_KEYS or form in MODIFIED_KEYS}
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

        aliases = self.string_list("aliases", values.get("aliases"), lines.get("aliases"))
        quotes, passages, wikilinks, tags_inline, pairs, term = self.body(
            blocks, first_heading, title, lang, values, aliases)
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
            aliases=aliases,
            tags=tags,
            extra=tuple(extra),
            quotes=tuple(quotes),
            wikilinks=tuple(wikilinks),
            passages=tuple(passages),
            alias_pairs=tuple(dict.fromkeys(pairs)),
        )

    def date(self, values: dict[str, object], lines: dict[str, int], forms: dict[str, str],
             spellings: tuple[str, ...]) -> dt.date | None:
        """The first readable date under one of ``spellings`` (keys in ``forms``: their ``_key_form``);
        each unreadable one is reported."""
        found = sorted((spellings.index(form), key) for key, form in forms.items() if form in spellings)
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

    def note_work(self, blocks: list[Block], first_heading: Block | None,
                  values: dict[str, object]) -> Attribution | None:
        """The one work the note as a whole names, whose words its unattributed quotes are (marked as
        inferred): front matter ``source``, ``url``, ``link``, ``paper`` or ``author``; a
        "Source: [X](url)", "Reference: …" or "Paper: …" line; a "Source", "Reference(s)" or "Paper
        Info" section naming one work; a title heading that is one link. None when there are several."""
        found: dict[str, Attribution] = {}

        def add(work: Attribution | None) -> None:
            if work is not None and work.source.name:
                found.setdefault((work.source.url or work.source.name).casefold().rstrip("/"), work)

        for key in WORK_KEYS:
            value = values.get(key)
            if isinstance(value, str) and value.strip():
                text = " ".join(value.split())
                if is_web_url(text):
                    url, selector = split_fragment(clean_url(text))
                    add(Attribution(SourceRef(host_of(url) or url, url), selector))
                elif key == "author":
                    add(plain_source(text) or Attribution(SourceRef(text)))
        section: str | None = None
        for block in blocks:
            if block.kind == "heading" and block.parts:
                heading = block.parts[0]
                label = _WORK_HEADING.match(heading.text.strip())
                section = label.group("label").casefold() if label else None
                if block is first_heading:
                    form = link_alone(heading)
                    if form is not None and form.source.url:
                        name = re.sub(r"^\s*source\s*:\s*", "", form.source.name, flags=re.I)
                        add(Attribution(SourceRef(name, form.source.url), form.selector))
                continue
            if block.kind not in ("paragraph", "list"):
                continue
            parts = [p for p in block.parts if not p.quote]
            for part in parts:
                if _WORK_LINE.match(part.text):
                    add(cited_work(part))
            if section is None:
                continue
            if section.startswith("paper"):
                title = next((_WORK_TITLE.sub("", p.text).strip() for p in parts if _WORK_TITLE.match(p.text)), None)
                link = next((p for p in parts if _WORK_LINK.match(p.text) and p.links), None)
                if link is not None:
                    work = cited_work(link)
                    if work is not None and title:
                        work = Attribution(SourceRef(title, work.source.url), work.selector)
                    add(work)
            else:
                cited = [p for p in parts if any(k.kind not in ("wiki", "image") for k in p.links)]
                if len(cited) == 1:
                    add(cited_work(cited[0]))
                elif len(cited) > 1:
                    return None
        return next(iter(found.values())) if len(found) == 1 else None

    def body(
        self, blocks: list[Block], first_heading: Block | None, title: str, lang: str | None,
        values: dict[str, object] | None = None, aliases: tuple[str, ...] = (),
    ) -> tuple[list[Quote], list[Passage], list[WikiLink], tuple[str, ...], list[tuple[str, str]], str]:
        title_term, title_defines = term_from_heading(title)
        title_term = title_term or title
        heading_term, definitional = (
            term_from_heading(first_heading.parts[0].text) if first_heading is not None else (title_term, False)
        )
        note_term = (heading_term or title_term) if definitional else title_term
        current_term, in_definition = note_term, title_defines
        work = self.note_work(blocks, first_heading, values or {})
        quotes: list[Quote] = []
        passages: list[Passage] = []
        wikilinks: list[WikiLink] = []
        tags: list[str] = []
        pairs: list[tuple[str, str]] = []
        pending: Attribution | None = None
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

        def quoted(parts: list[Inline], line: int, below: Attribution | None, below_line: int,
                   lead: Attribution | None, lead_line: int) -> bool:
            """One quoted passage: its callout, its source, its kind; a quote or an aside. ``below``
            (a ``Source: …`` line under it) is its source only when it names none of its own and has
            no ``lead``; returns whether it was."""
            own: Attribution | None = None
            own_line = line
            callout = read_callout(parts)
            ctype = title = None
            if callout is not None:
                ctype, parts = callout.type, callout.body
                if not parts and callout.title is not None and ctype not in QUOTE_CALLOUTS:
                    parts = [callout.title]  # a callout that is only its title: the title is its text
                elif callout.title is not None:
                    title = callout.title.text.strip()
                    if ctype in QUOTE_CALLOUTS:
                        named = link_alone(callout.title) or plain_source(title)
                        if named is not None:
                            own, own_line = named, callout.title.line
            else:
                parts = [strip_marker(p) for p in parts]
            if own is None and parts:
                own, own_line, parts = self.own_attribution(parts, own_line)
            took_below = own is None and lead is None and below is not None
            if took_below:
                own, own_line = below, below_line
            source, source_line = (own, own_line) if own is not None else (lead, lead_line)
            if not parts:
                return took_below
            text, spans = _join(parts)
            kind: str | None
            inferred = False
            pointer = _points(parts)
            if ctype in ASIDE_CALLOUTS:
                kind = None
            elif pointer:
                single = _link_quote(parts)
                if single is not None and own is None:  # its own link, before any lead attribution
                    source, source_line = single, line
                kind = "quotation" if single is not None else None
            elif source is None and ctype not in QUOTE_CALLOUTS and looks_like_aside(text):
                kind = None
            else:
                said = source is not None or ctype in QUOTE_CALLOUTS
                if (said and in_definition) or is_definitional(text, [current_term, note_term, *aliases]):
                    kind = "definition"
                elif said or (work is not None and same_script(text, work.source.name)):
                    kind = "quotation"
                else:
                    kind = None
            if kind is None:
                passages.append(Passage(text, line, spans, ctype or "quote", title))
                return took_below
            if source is None and work is not None and same_script(text, work.source.name):
                source, inferred = work, True
            ref = source.source if source is not None else None
            if (ref is not None and ref.url and not is_web_url(ref.url)
                    and (source_line, ref.url) not in warned):
                warned.add((source_line, ref.url))
                self.problem(
                    source_line,
                    f"source link {ref.url[:80]!r} is not an http(s) URL; kept as text, not as a cited page",
                    "warning",
                )
            quote = Quote(
                text, line, current_term, ref, False, _lang_of_quote(text, ref, lang), spans,
                tuple(alias_pairs(text)), "definition" if kind == "definition" else "quotation", inferred,
                source.selector if source is not None else None, source.date if source is not None else None,
                ctype, title,
            )
            quotes.append(quote)
            pairs.extend(quote.alias_pairs)
            return took_below

        def add_passage(part: Inline) -> None:
            if part.text.strip() and not _TAGS_ONLY.fullmatch(part.text):
                passages.append(Passage(part.text, part.line, part.code_spans))

        for index, block in enumerate(blocks):
            if index in consumed:
                continue
            for part in block.parts:
                collect(part)
                if block.kind != "code":
                    tags.extend(_inline_tags(part))
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if block.kind == "heading":
                pending = link_paragraph = None
                if block is first_heading:
                    in_definition = definitional
                elif block.parts:
                    # A section heading ("Resources", "Basic usage") names a part of the note, not a
                    # term: only one that asks what something is ("What is X") gives its own, and
                    # "What is it?" asks about the note's own term.
                    term, defines = term_from_heading(block.parts[0].text)
                    current_term = term if defines and term and names_a_thing(term) else note_term
                    in_definition = defines
                continue
            if block.kind == "paragraph" and len(block.parts) == 1:
                attribution = lead_attribution(block.parts[0])
                link_paragraph = None
                if attribution is None and following is not None and following.kind == "quote":
                    attribution = link_alone(block.parts[0])
                    link_paragraph = block.parts[0] if attribution is not None else None
                if attribution is None and following is not None and following.kind == "quote" \
                        and not looks_like_aside(_join(following.parts)[0]):
                    # "Source: [X](url)" right before a quote that nothing above claimed introduces it
                    # (not a tip or a warning under a section's source line).
                    attribution = trailing_attribution(block.parts[0])
                if attribution is not None:
                    pending, pending_line = attribution, block.parts[0].line
                    continue
                part = block.parts[0]
                after_first_heading = first_heading is not None and index > 0 and blocks[index - 1] is first_heading
                introduces = following is not None and following.kind == "quote" and part.text.rstrip().endswith(":")
                if after_first_heading and definitional and not quotes and not introduces:
                    text = " ".join(part.text.split(" ")).strip()
                    quote = Quote(
                        text, part.line, note_term, None, True, lang, part.code_spans, tuple(alias_pairs(text))
                    )
                    quotes.append(quote)
                    pairs.extend(quote.alias_pairs)
                    pending = None
                    continue
            if block.kind == "quote":
                below: Attribution | None = None
                below_line = block.line
                if following is not None and following.kind == "paragraph" and len(following.parts) == 1:
                    below, below_line = trailing_attribution(following.parts[0]), following.parts[0].line
                before = len(quotes)
                if quoted(list(block.parts), block.line, below, below_line, pending, pending_line):
                    consumed.add(index + 1)
                took_own = len(quotes) > before and quotes[-1].source is not None and pending is not None and (
                    quotes[-1].source != pending.source)
                if took_own and link_paragraph is not None:  # not this quote's source, so no later quote's either
                    passages.append(Passage(link_paragraph.text, link_paragraph.line, link_paragraph.code_spans))
                    pending = None
                link_paragraph = None
                continue
            pending = None
            if block.kind == "code":
                continue
            if block.kind == "list":
                # Items and the quotes inside them, in order. An item that names a source
                # ("- [X](url) said that") attributes the quotes inside it, or, as the list's last
                # item, the quote after the list; an item that attributes nothing stays a passage.
                runs: list[list[Inline]] = []
                for part in block.parts:
                    if part.quote and runs and runs[-1][0].quote == part.quote:
                        runs[-1].append(part)
                    else:
                        runs.append([part])
                lead: Attribution | None = None
                lead_part: Inline | None = None
                for at, run in enumerate(runs):
                    first = run[0]
                    quote_next = at + 1 < len(runs) and bool(runs[at + 1][0].quote)
                    if first.quote:
                        quoted(run, first.line, None, first.line, lead, lead_part.line if lead_part else first.line)
                        if lead is not None:
                            lead_part = None  # used
                        continue
                    if lead_part is not None:
                        add_passage(lead_part)
                    lead = lead_attribution(first)
                    if lead is None and (quote_next or (first is block.parts[-1] and following is not None
                                                         and following.kind == "quote")):
                        lead = link_alone(first)
                    lead_part = first if lead is not None else None
                    if lead is None:
                        add_passage(first)
                if lead_part is not None:
                    if lead_part is block.parts[-1] and following is not None and following.kind == "quote":
                        pending, pending_line = lead, lead_part.line
                    else:
                        add_passage(lead_part)
                continue
            for part in block.parts:
                add_passage(part)
        return quotes, passages, wikilinks, tuple(dict.fromkeys(tags)), pairs, note_term

    def own_attribution(self, parts: list[Inline], line: int) -> tuple[Attribution | None, int, list[Inline]]:
        """A quote's source on its own last line or paragraph (``> — [X](url)``, ``> -- X, 2019``),
        and the quote's parts without it. On the last line of a paragraph only a link or a name with
        a date counts: "— Yes." or "— Concept Drift" there is a reply or a list item more often."""
        if len(parts) > 1:
            own = trailing_attribution(parts[-1])
            if own is not None:
                return own, parts[-1].line, parts[:-1]
        split = split_last_line(parts[-1])
        if split is not None and split[0].text.strip():
            own = trailing_attribution(split[1])
            if own is not None and (split[1].links or own.date):
                return own, split[1].line, [*parts[:-1], split[0]]
        return None, line, parts


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
    if "#" not in part.text:
        return []
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
