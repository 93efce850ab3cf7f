"""Cited URLs: tracking parameters dropped, hosts normalised, IRI-safe forms for RDF."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

#: Query parameters that only track a click; pages that differ by these alone are one page.
TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
    "_hsenc", "_hsmi", "mkt_tok", "ref_src", "tracking", "trk", "si", "spm",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
WEB_SCHEMES = ("http", "https")

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ASCII_PLAIN = re.compile(r"[!#-;=?-\[\]_a-z~]*")
_ASCII_ILLEGAL = frozenset('\x7f <>"{}|\\^`') | frozenset(chr(i) for i in range(0x20))
# RFC 3987 ucschar: the non-ASCII characters an IRI may hold as they are.
_UCSCHAR = (
    (0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF),
    *((plane, plane + 0xFFFD) for plane in range(0x10000, 0xE0000, 0x10000)),
    (0xE1000, 0xEFFFD),
)


def _iri_char_ok(ch: str) -> bool:
    code = ord(ch)
    if code < 0x80:
        return ch not in _ASCII_ILLEGAL
    # Separators, controls, format and unassigned characters are legal in some ranges but rejected
    # by common parsers (and invisible to people): they are encoded too.
    if unicodedata.category(ch)[0] in "ZC":
        return False
    return any(low <= code <= high for low, high in _UCSCHAR)


def is_web_url(url: str) -> bool:
    """True for http(s) URLs with a host, the only ones that become cited pages."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMETERS or key.startswith(_TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """Drop tracking query parameters (``utm_*`` and the like); everything else is kept as written."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _is_tracking(k)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept, quote_via=quote), parts.fragment))


def host_of(url: str) -> str | None:
    """The host in lower case, without a leading ``www.``; ``None`` when there is none."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


_SIMPLE_WEB_URL = re.compile(r"(?i:https?)://([A-Za-z0-9.\-]+)(?:[/?#]|\Z)")
"""A web URL whose host is plain ASCII with no user, port or brackets; ``urlsplit`` would find it too."""


def web_host(url: str) -> tuple[bool, str | None]:
    """``is_web_url(url)``, and ``host_of(url)`` when it is one; the common plain URLs from one match."""
    simple = _SIMPLE_WEB_URL.match(url.strip())
    if simple is not None:
        host = simple.group(1).lower().rstrip(".")
        if host:
            return True, host[4:] if host.startswith("www.") else host
    return (True, host_of(url)) if is_web_url(url) else (False, None)


def iri_safe(url: str) -> str:
    """Percent-encode what may not stand in an IRI: spaces, quotes, angle brackets, brackets outside
    the host, a second ``#``, and ``%`` that does not start an escape."""
    url = url.strip()
    if not (url.isascii() and _ASCII_PLAIN.fullmatch(url)):
        url = "".join(c if _iri_char_ok(c) else quote(c, safe="") for c in url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    slash = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority, tail = rest[:slash], rest[slash:]
    path, hash_mark, fragment = tail.partition("#")
    path = _encode_tail(path)
    fragment = _encode_tail(fragment).replace("#", "%23")
    return f"{scheme}://{authority}{path}{hash_mark}{fragment}"


def _encode_tail(text: str) -> str:
    if "%" in text:
        text = _BAD_PERCENT.sub("%25", text)
    return text.replace("[", "%5B").replace("]", "%5D")
