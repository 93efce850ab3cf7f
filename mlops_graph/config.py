"""Settings, and the one place where every user-facing choice is listed.

The CLI builds its ``choices=`` from the tuples here, so a new format or date order is added once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from msgspec import Struct, field
from msgspec.structs import replace

from mlops_graph.errors import ConfigError

#: How an ambiguous numeric date such as ``03-04-2022`` is read: day first or month first.
DATE_ORDERS: Final = ("DMY", "MDY")

#: Date formats accepted in front matter, as ``strptime`` patterns, tried in this order. ``{dm}`` and
#: ``{md}`` patterns are the ambiguous numeric ones; ``date-order`` decides which of the two applies.
DATE_FORMATS: Final[dict[str, tuple[str, ...]]] = {
    "DMY": ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y"),
    "MDY": ("%Y-%m-%d", "%m-%d-%Y", "%m/%d/%Y", "%m.%d.%Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y"),
}

#: Human-readable names of the date formats, for messages.
DATE_FORMAT_NAMES: Final[dict[str, str]] = {
    "DMY": "DD-MM-YYYY, YYYY-MM-DD, DD/MM/YYYY, DD.MM.YYYY, 'March 25, 2022', '25 March 2022'",
    "MDY": "MM-DD-YYYY, YYYY-MM-DD, MM/DD/YYYY, MM.DD.YYYY, 'March 25, 2022', '25 March 2022'",
}

#: Where a note without a front matter ``title`` takes its title from: its file name, as Obsidian and
#: Quartz show it, or its first heading.
TITLE_FROM: Final = ("file", "heading")

#: Result formats of ``mlops-graph query``.
QUERY_FORMATS: Final = ("table", "csv", "tsv", "json")

#: The build's report, in the output folder (its only Markdown file), and its first line.
REPORT_FILE: Final = "report.md"
REPORT_HEADING: Final = "# mlops-graph report"

#: A folder that holds all of these, its report starting with ``REPORT_HEADING``, is a build's
#: output: it is never read as notes.
OUTPUT_MARKERS: Final = frozenset({"graph.trig", REPORT_FILE})

DEFAULT_BASE_IRI: Final = "https://example.org/mlops-graph/"
#: Where ``serve`` and ``watch --serve`` listen by default: this machine only.
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 7878

#: Notes larger than this are refused with a message (bytes).
DEFAULT_MAX_NOTE_BYTES: Final = 8 * 1024 * 1024


class Settings(Struct, frozen=True):
    """Everything a build depends on besides the notes."""

    base_iri: str = DEFAULT_BASE_IRI
    date_order: str = "DMY"
    vocabularies: tuple[Path, ...] = field(default_factory=tuple)
    max_note_bytes: int = DEFAULT_MAX_NOTE_BYTES
    html: bool = True
    title_from: str = "file"
    suggest: bool = False
    """Also write ``suggested-concepts.csv`` (keyword extraction over every note: it costs more
    than the rest of a small build)."""

    def __post_init__(self) -> None:
        if self.date_order not in DATE_ORDERS:
            raise ConfigError(f"date-order {self.date_order!r} is not one of {', '.join(DATE_ORDERS)}")
        if self.title_from not in TITLE_FROM:
            raise ConfigError(f"title-from {self.title_from!r} is not one of {', '.join(TITLE_FROM)}")
        if not self.base_iri.startswith(("http://", "https://")) or not self.base_iri.endswith(("/", "#")):
            raise ConfigError(
                f"base-iri {self.base_iri!r} must be an http(s) IRI ending in '/' or '#'"
            )
        if self.max_note_bytes < 1:
            raise ConfigError("max-note-bytes must be positive")

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(pyproject: Path | None) -> Settings:
    """Read ``[tool.mlops-graph]`` from a pyproject.toml. A missing file or table gives the defaults."""
    if pyproject is None or not pyproject.is_file():
        return Settings()
    import tomllib  # here: most builds have no settings file

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: {exc}") from exc
    table = data.get("tool", {}).get("mlops-graph", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.mlops-graph] must be a table")
    known = {"base-iri", "date-order", "vocabulary", "max-note-bytes", "html", "title-from", "suggest"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{pyproject}: unknown key(s) in [tool.mlops-graph]: {', '.join(unknown)}")
    vocab = table.get("vocabulary", [])
    if isinstance(vocab, str):
        vocab = [vocab]
    if not isinstance(vocab, list) or not all(isinstance(v, str) for v in vocab):
        raise ConfigError(f"{pyproject}: vocabulary must be a path or a list of paths")
    try:
        return Settings(
            base_iri=str(table.get("base-iri", DEFAULT_BASE_IRI)),
            date_order=str(table.get("date-order", "DMY")),
            vocabularies=tuple((pyproject.parent / v) for v in vocab),
            max_note_bytes=int(table.get("max-note-bytes", DEFAULT_MAX_NOTE_BYTES)),
            html=bool(table.get("html", True)),
            title_from=str(table.get("title-from", "file")),
            suggest=bool(table.get("suggest", False)),
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{pyproject}: {exc}") from exc
