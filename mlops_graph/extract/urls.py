"""Cited URLs: tracking parameters dropped, hosts normalised, IRI-safe forms for RDF."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

#: Query parameters that only track a click; pages that differ by these alone are one page.
TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
    "_hsenc", "_hsmi", "mkt_tok", "ref_src", "tracking", "trk", "si", "spm",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
WEB_SCHEMES = ("http", "https")

# Characters allowed in an IRI besides unreserved ASCII and non-ASCII (RFC 3987): kept as they are.
_IRI_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
_IRI_ILLEGAL = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f-\x9f\ue000-\uf8ff\ufff0-\uffff]")


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


def iri_safe(url: str) -> str:
    """Percent-encode the characters that may not stand in an IRI (spaces, quotes, angle brackets…)."""
    return _IRI_ILLEGAL.sub(lambda m: quote(m.group(0), safe=_IRI_SAFE), url.strip())
