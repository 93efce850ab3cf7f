"""HTTP plumbing shared by :mod:`~mlops_graph.store.push` and :mod:`~mlops_graph.store.remote`.

* :func:`check_endpoint` and :func:`check_scheme` refuse unusable endpoint URLs and
  authentication schemes before any request is sent;
* :class:`Auth` holds one endpoint's credentials: it sends requests with Digest authentication
  (answering the server's challenge, once) or a Basic ``Authorization`` header (sent unasked), and
  scrubs every form of the password out of a text;
* :meth:`Auth.send` turns ``HTTPError``, ``URLError``, ``OSError`` and ``HTTPException`` into one
  :class:`RequestFailed` whose texts are already scrubbed, so that callers only word the message.

The password never appears in a text this module makes, nor in an object's ``repr``.
"""

from __future__ import annotations

import base64
import html
import re
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from http.client import HTTPException, HTTPMessage
from typing import IO, Literal

from msgspec import Struct

from mlops_graph.errors import StoreError

__all__ = [
    "Answer",
    "Auth",
    "AuthScheme",
    "DigestAuthHandler",
    "RequestFailed",
    "check_endpoint",
    "check_scheme",
    "excerpt",
    "secret_forms",
]

AuthScheme = Literal["digest", "basic"]

BODY_READ_LIMIT = 64 * 1024
"""How much of an error response's body is read for its excerpt."""
EXCERPT_CHARS = 300
"""The longest excerpt of an error response's body, in characters."""


def check_endpoint(url: str, what: str) -> urllib.parse.SplitResult:
    """The parts of ``url``; :class:`StoreError` when it holds a user name or password or is not
    an ``http(s)://`` URL with a host. ``what`` names the URL in the message (``"store"``, ``"endpoint"``).
    """
    try:
        parts = urllib.parse.urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:  # not shown: the URL may hold a password
        raise StoreError(f"the {what} URL is not a valid URL (check its host and port)") from None
    if parts.username is not None or parts.password is not None:
        raise StoreError(f"the {what} URL must not contain a user name or password; give them separately")
    if parts.scheme not in ("http", "https") or not host:
        raise StoreError(f"the {what} URL {url!r} is not an http:// or https:// URL")
    return parts


def check_scheme(scheme: str) -> None:
    """:class:`StoreError` unless ``scheme`` is ``"digest"`` or ``"basic"``."""
    if scheme not in ("digest", "basic"):
        raise StoreError(f"unknown authentication scheme {scheme!r}: use 'digest' or 'basic'")


class Answer(Struct, frozen=True):
    """A successful response: status, headers and (when asked for) body."""

    status: int
    headers: Message
    body: bytes


class RequestFailed(StoreError):
    """A request that got no successful answer. ``reason`` and ``excerpt`` are scrubbed.

    With an HTTP error response, ``status`` is its code, ``reason`` its ``"code reason"`` line,
    ``excerpt`` a plain-text excerpt of its body and ``challenge`` its ``WWW-Authenticate`` header.
    Without an answer, ``status`` is ``None`` and ``error`` is what went wrong (the ``reason`` of a
    ``URLError``, which may be a string, or the ``OSError``/``HTTPException`` itself); ``cause`` is
    the exception caught. ``error`` and ``cause`` are not scrubbed: scrub any text made of them.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        excerpt: str = "",
        challenge: str = "",
        error: BaseException | str | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.excerpt = excerpt
        self.challenge = challenge
        self.error = error
        self.cause = cause


class DigestAuthHandler(urllib.request.HTTPDigestAuthHandler):
    """Answers a Digest challenge once; a challenge to credentials already sent is a failure.

    (The standard handler retries up to six times with the same rejected password, and raises
    ``ValueError`` on a challenge of a scheme it does not know.)
    """

    def http_error_401(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage
    ) -> IO[bytes] | None:
        challenge = headers.get("www-authenticate", "") or ""
        stale = "stale=true" in challenge.replace('"', "").replace(" ", "").lower()
        if req.get_header(self.auth_header) is not None and not stale:
            return None
        try:
            response: IO[bytes] | None = super().http_error_401(req, fp, code, msg, headers)
        except ValueError:
            return None
        return response


class Auth:
    """How requests to one endpoint authenticate: Digest, Basic, or not at all (``user`` ``None``).

    The caller checks beforehand that ``user`` and ``password`` are given together and that
    ``scheme`` is known (:func:`check_scheme`).
    """

    def __init__(self, endpoint: str, user: str | None, password: str | None, scheme: AuthScheme) -> None:
        self.scheme = scheme
        self.has_credentials = user is not None
        self._secrets = secret_forms(user, password)
        self._basic: str | None = None
        handlers: list[urllib.request.BaseHandler] = []
        if user is not None and password is not None:
            if scheme == "digest":
                manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                manager.add_password(None, endpoint, user, password)
                handlers.append(DigestAuthHandler(manager))
            else:
                token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
                self._basic = f"Basic {token}"
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"Auth(scheme={self.scheme!r}, has_credentials={self.has_credentials})"

    def scrub(self, text: str) -> str:
        """``text`` with every form of the password (see :func:`secret_forms`) replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def send(self, request: urllib.request.Request, timeout: float, *, read_body: bool = True) -> Answer:
        """Send ``request`` (with the Basic header when that is the scheme); raises :class:`RequestFailed`."""
        if self._basic is not None:
            request.add_unredirected_header("Authorization", self._basic)
        try:
            with self._opener.open(request, timeout=timeout) as response:
                body: bytes = response.read() if read_body else b""
                return Answer(int(response.status), response.headers, body)
        except urllib.error.HTTPError as exc:
            with exc:
                try:
                    raw = exc.read(BODY_READ_LIMIT) if exc.fp is not None else b""
                except (OSError, HTTPException):
                    raw = b""
                raise RequestFailed(
                    self.scrub(f"{exc.code} {exc.reason}".strip()),
                    status=exc.code,
                    excerpt=self.scrub(excerpt(raw, exc.headers)),
                    challenge=str(exc.headers.get("WWW-Authenticate", "") or ""),
                ) from None
        except urllib.error.URLError as exc:
            raise RequestFailed(self.scrub(str(exc.reason)), error=exc.reason, cause=exc) from None
        except (OSError, HTTPException) as exc:
            raise RequestFailed(self.scrub(f"{type(exc).__name__}: {exc}"), error=exc, cause=exc) from None


def secret_forms(user: str | None, password: str | None) -> list[str]:
    """The ways a password could show up in text: as is, percent-encoded, in a Basic header."""
    if not password:
        return []
    forms = {password, urllib.parse.quote(password, safe=""), urllib.parse.quote_plus(password)}
    token = f"{user or ''}:{password}".encode()
    forms.add(base64.b64encode(token).decode("ascii"))
    return sorted(forms, key=len, reverse=True)


def excerpt(raw: bytes, headers: Message) -> str:
    """A short plain-text excerpt of an error response body (HTML tags removed)."""
    if not raw:
        return ""
    charset = headers.get_content_charset() or "utf-8"
    try:
        text = raw.decode(charset, errors="replace")
    except LookupError:
        text = raw.decode("utf-8", errors="replace")
    if "html" in (headers.get_content_type() or "") or re.search(r"<html|<!doctype", text, re.I):
        text = re.sub(r"(?is)<(head|script|style)\b.*?</\1\s*>", " ", text)
        text = re.sub(r"(?s)<![^>]*>", " ", text)
        text = re.sub(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>", " ", text)
        text = html.unescape(text)
    text = " ".join(text.split())
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1] + "…"
    return text
