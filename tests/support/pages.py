"""Checks every HTML page the test client fetches, so that no page slips through untested.

A page must parse as HTML without errors, have a non-empty title and exactly one h1, set
``lang``, have no duplicate ids, point every label and ARIA reference at an element that
exists, and contain no inline script or style (the CSP forbids them).
"""

from __future__ import annotations

from collections import Counter

import html5lib
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

LANGUAGES = {"nb", "nn", "en"}
NS = "{http://www.w3.org/1999/xhtml}"


class PageProblemError(AssertionError):
    pass


def check_page(html: str, url: str = "") -> None:
    try:
        document = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(html)
    except html5lib.html5parser.ParseError as error:
        raise PageProblemError(f"{url}: not valid HTML: {error}") from error
    problems = list(_problems(document))
    if problems:
        raise PageProblemError(f"{url}:\n- " + "\n- ".join(problems))


def _problems(document):
    elements = list(document.iter())
    ids = Counter(el.get("id") for el in elements if el.get("id"))
    yield from (f"duplicate id {id_!r}" for id_, n in ids.items() if n > 1)
    if document.get("lang") not in LANGUAGES:
        yield f"<html lang> is {document.get('lang')!r}"
    titles = [el for el in elements if el.tag == NS + "title"]
    if len(titles) != 1 or not (titles[0].text or "").strip():
        yield "the page needs one non-empty <title>"
    h1s = [el for el in elements if el.tag == NS + "h1"]
    if len(h1s) != 1:
        yield f"the page has {len(h1s)} <h1> elements, not 1"
    for el in elements:
        yield from _element_problems(el, ids)


def _element_problems(el, ids):
    tag = el.tag.removeprefix(NS)
    if el.get("style") is not None:
        yield f"inline style on <{tag}>"
    if tag == "style" or (tag == "script" and not el.get("src")):
        yield f"inline <{tag}>"
    if tag == "label" and el.get("for") and el.get("for") not in ids:
        yield f"<label for={el.get('for')!r}> points at nothing"
    for attribute in ("aria-describedby", "aria-labelledby", "aria-controls"):
        for ref in (el.get(attribute) or "").split():
            if ref not in ids:
                yield f"{attribute}={ref!r} on <{tag}> points at nothing"


class CheckedClient(FlaskClient):
    """A test client that checks every HTML page it receives."""

    def open(self, *args, **kwargs) -> TestResponse:
        response = super().open(*args, **kwargs)
        if (response.mimetype == "text/html" and response.status_code not in (204, 301, 302, 303)
                and "Content-Encoding" not in response.headers):  # compressed: the test reads it
            check_page(response.get_data(as_text=True), url=str(args[0] if args else ""))
        return response
