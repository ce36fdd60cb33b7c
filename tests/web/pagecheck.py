"""Page checks shared by the web and end-to-end tests (`web.pagecheck`): fetch a page that
must be there, and check that a page is valid HTML."""

from __future__ import annotations

import html5lib
import lxml.html
from web.live import LiveServer


def assert_valid_html(body: bytes) -> None:
    """Parsed by the WHATWG algorithm (html5lib) with every parse error an error."""
    html5lib.HTMLParser(strict=True).parse(body.decode("utf-8"))


def page(server: LiveServer, path: str) -> lxml.html.HtmlElement:
    """The HTML page at `path`: a 200, UTF-8 HTML, valid."""
    reply = server.request(path)
    assert reply.status == 200, reply.text
    assert reply.header("content-type") == "text/html; charset=utf-8"
    assert_valid_html(reply.body)
    return lxml.html.fromstring(reply.body)


def article_href(server: LiveServer, title: str) -> str:
    """The link to an article's page from the index's recent hits, found by its headline."""
    for link in page(server, "/").cssselect("li.hit a.headline"):
        if link.text_content() == title:
            return str(link.get("href"))
    raise AssertionError(f"no hit for {title!r} on the index")
