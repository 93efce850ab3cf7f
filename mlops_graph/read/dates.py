"""Dates from front matter, as ``datetime.date``; impossible dates are reported, never guessed."""

from __future__ import annotations

import datetime as dt
import re

from mlops_graph.config import DATE_FORMAT_NAMES, DATE_FORMATS
from mlops_graph.errors import DateError

_ISO_DATETIME = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2})(?:[Tt]| )\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?(?:[Zz]|[+-]\d{1,2}(?::?\d{2})?))?$"
)
"""An ISO 8601 date and time, which is read as its date, as YAML datetimes are."""
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")
_MONTHS = "|".join((*_MONTH_NAMES, *(name[:3] for name in _MONTH_NAMES)))
"""The month names ``%B`` and ``%b`` read (the C locale's, whatever the user's)."""
_PARTS = {"%Y": r"\d{4}", "%m": r"\d{1,2}", "%d": r"\d{1,2}", "%B": f"(?:{_MONTHS})", "%b": f"(?:{_MONTHS})"}


def _shape(fmt: str) -> re.Pattern[str]:
    """What text written in ``fmt`` looks like, whatever the day: ``%d-%m-%Y`` gives ``\\d{1,2}-…``."""
    pattern = re.sub(r"%[YmdBb]|[^%]+", lambda m: _PARTS.get(m.group(), re.escape(m.group())), fmt)
    return re.compile(f"^{pattern}$", re.IGNORECASE)


_SHAPES = {order: tuple(map(_shape, formats)) for order, formats in DATE_FORMATS.items()}
"""For each date order, the shapes of its formats: a date in one of them that does not parse names a
day that does not exist."""


def _numeric(fmt: str) -> re.Pattern[str]:
    """Text written in ``fmt`` with two-digit days and months (``%d/%m/%Y`` gives ``05/01/2023``)."""
    fields = {"%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d\d)", "%d": r"(?P<d>\d\d)"}
    return re.compile(re.sub(r"%[Ymd]|[^%]+", lambda m: fields.get(m.group(), re.escape(m.group())), fmt), re.ASCII)


_NUMERIC = {order: tuple(_numeric(fmt) for fmt in formats if re.fullmatch(r"%[Ymd](?:[-/.]%[Ymd])*", fmt))
            for order, formats in DATE_FORMATS.items()}
"""For each date order, its formats of numbers only (``-``, ``/`` or ``.`` between them), in their most
common spelling. Only such a format can read a text of numbers and those signs, so the first of them
that fits reads it as ``strptime`` would, without its cost."""


def parse_date(value: object, date_order: str = "DMY") -> dt.date:
    """Turn a front matter value into a date.

    YAML dates and datetimes are taken as they are (a datetime keeps its date). Strings are tried
    against ``DATE_FORMATS[date_order]``. A string that has the shape of a date but names a day that
    does not exist (``31-02-2022``) raises ``DateError`` saying so.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        kind = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)[:40]
        raise DateError(f"date {kind} is not a date (expected {DATE_FORMAT_NAMES[date_order]})")
    text = " ".join(value.split())
    moment = _ISO_DATETIME.match(text)
    if moment is not None:  # a datetime YAML could not make (its day does not exist), or one quoted
        text = moment.group(1)
    for numeric in _NUMERIC[date_order]:
        match = numeric.fullmatch(text)
        if match is not None:
            try:
                return dt.date(int(match.group("Y")), int(match.group("m")), int(match.group("d")))
            except ValueError:  # no such day: strptime says so below
                break
    for fmt in DATE_FORMATS[date_order]:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if any(shape.match(text) for shape in _SHAPES[date_order]):
        raise DateError(
            f"date {value[:80]!r} is not a real date (expected {DATE_FORMAT_NAMES[date_order]})"
        )
    raise DateError(f"date {value[:80]!r} is not in a known format (expected {DATE_FORMAT_NAMES[date_order]})")
