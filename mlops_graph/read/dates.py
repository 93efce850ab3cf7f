"""Dates from front matter, as ``datetime.date``; impossible dates are reported, never guessed."""

from __future__ import annotations

import datetime as dt
import re

from mlops_graph.config import DATE_FORMAT_NAMES, DATE_FORMATS
from mlops_graph.errors import DateError

_NUMERIC = re.compile(r"^(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})$")


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
    for fmt in DATE_FORMATS[date_order]:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if _NUMERIC.match(text) or re.match(r"^[A-Za-z]+ \d{1,2}, \d{4}$", text):
        raise DateError(
            f"date {value[:80]!r} is not a real date (expected {DATE_FORMAT_NAMES[date_order]})"
        )
    raise DateError(f"date {value[:80]!r} is not in a known format (expected {DATE_FORMAT_NAMES[date_order]})")
