"""The words an HTML fragment shows (an HTML block of a note, say), through the standard library's parser."""

from __future__ import annotations

from html.parser import HTMLParser


class _Words(HTMLParser):
    """The words of an HTML fragment: no tag, no comment, nothing of a script or a style."""

    _SILENT = frozenset({"script", "style", "template"})
    _SPACED = frozenset({"br", "p", "div", "li", "tr", "td", "th", "summary", "details", "hr", "img"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SILENT:
            self.silent += 1
        elif tag in self._SPACED:
            self.words.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SILENT:
            self.silent = max(0, self.silent - 1)
        elif tag in self._SPACED:
            self.words.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.words.append(data)


def html_words(html: str) -> str:
    """The words an HTML fragment shows, spaces unified."""
    parser = _Words()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.words).split())
