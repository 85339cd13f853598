"""Reading HTML in tests: through a parser (BeautifulSoup), never regular expressions."""

from bs4 import BeautifulSoup, Tag


def parse(response_or_html) -> BeautifulSoup:
    html = response_or_html
    if not isinstance(html, str):
        html = html.content.decode()
    return BeautifulSoup(html, "html.parser")


def text(tag: Tag | None) -> str:
    """The tag's text with runs of whitespace made single spaces ("" for no tag)."""
    return " ".join(tag.get_text(" ").split()) if tag is not None else ""
