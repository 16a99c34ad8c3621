"""Page weight: the bytes a first visit downloads, as the shipped server sends them, by kind.

Each page's HTML and every resource it pulls in (style sheets and what they import, scripts,
images, the favicon, fonts) is fetched once with a browser's ``Accept-Encoding``, and counted
as it came: the status line and headers, and the body as sent, compressed only if the server
compressed it. Nothing is compressed here: a server that does not compress is weighed so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

CATEGORIES = ("html", "css", "font", "script", "image", "other")
FONT_TYPES = ("font/", "application/font", "application/x-font", "woff")
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class Resource:
    content_type: str
    body: bytes  # decoded, for finding what a style sheet imports
    wire_bytes: int  # headers and body as sent


Fetch = Callable[[str], Resource]


@dataclass
class PageWeight:
    label: str
    path: str
    sizes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    resources: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    @property
    def without_fonts(self) -> int:
        return self.total - self.sizes["font"]


def category(url: str, content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    path = urlsplit(url).path.lower()
    if kind.startswith(FONT_TYPES) or path.endswith((".woff", ".woff2", ".ttf", ".otf")):
        return "font"
    if kind == "text/css" or path.endswith(".css"):
        return "css"
    if "javascript" in kind or path.endswith((".js", ".mjs")):
        return "script"
    if kind.startswith("image/"):
        return "image"
    return "html" if kind == "text/html" else "other"


class _Links(HTMLParser):
    """The URLs a browser fetches for a page without running any script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        rel = (attributes.get("rel") or "").lower().split()
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload"} & set(rel):
            self._add(attributes.get("href"))
        elif tag in ("script", "img", "source", "iframe") and attributes.get("src"):
            self._add(attributes["src"])

    def _add(self, url: str | None) -> None:
        if url and not url.startswith("data:") and url not in self.urls:
            self.urls.append(url)


def page_resources(html: str, page_url: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return [urljoin(page_url, url) for url in parser.urls]


def css_resources(css: str, css_url: str) -> list[str]:
    found = []
    for match in CSS_URL.finditer(css):
        url = (match.group(1) or match.group(2)).strip()
        if not url.startswith(("data:", "#")):
            found.append(urljoin(css_url, url))
    return found


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def fetch_all(urls: list[str], fetch: Fetch, cache: dict[str, Resource]) -> list[str]:
    """Fetch each URL and, for style sheets, what they import; return every URL fetched."""
    seen: list[str] = []
    pending = list(urls)
    while pending:
        url = pending.pop(0)
        if url in seen or urlsplit(url).netloc not in ("", "localhost"):
            continue  # another host's resource would be counted here if the portal used any
        seen.append(url)
        if url not in cache:
            cache[url] = fetch(local_path(url))
        resource = cache[url]
        if category(url, resource.content_type) == "css":
            pending += css_resources(resource.body.decode("utf-8", "replace"), url)
    return seen


def weigh_page(label: str, path: str, html: str, html_wire: int, fetch: Fetch,
               cache: dict[str, Resource]) -> PageWeight:
    """A cold first visit: the page's HTML (as it was sent) and every resource it needs."""
    weight = PageWeight(label, path)
    weight.sizes["html"] = html_wire
    weight.resources = fetch_all(page_resources(html, f"http://localhost{path}"), fetch, cache)
    for url in weight.resources:
        resource = cache[url]
        weight.sizes[category(url, resource.content_type)] += resource.wire_bytes
    return weight


def journey(pages: list[PageWeight], cache: dict[str, Resource]) -> PageWeight:
    """The whole visit with a browser cache: every page's HTML, each resource once."""
    total = PageWeight("whole journey", "")
    total.sizes["html"] = sum(page.sizes["html"] for page in pages)
    total.resources = list(dict.fromkeys(url for page in pages for url in page.resources))
    for url in total.resources:
        resource = cache[url]
        total.sizes[category(url, resource.content_type)] += resource.wire_bytes
    return total


class RecordingBrowser:
    """Wraps a Browser and keeps the HTML of every page it GETs (for weighing afterwards)."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.pages: list[tuple[str, str, int]] = []

    def get(self, path: str, name: str | None = None):
        page = self.browser.get(path, name)
        if page.status == 200 and path not in {seen for seen, _, _ in self.pages}:
            self.pages.append((path, page.text, page.wire_bytes))
        return page

    def post(self, path: str, data: dict, name: str | None = None):
        return self.browser.post(path, data, name)


def label_for(path: str) -> str:
    segments = [segment for segment in path.split("?")[0].split("/") if segment]
    last = segments[-1] if len(segments) > 1 else ""
    named = {"": "start page", "individuell-plan": "information page",
             "soknad": "application intro", "testid": "log in (TestID)",
             "ip_application": "start application", "sjekk": "check your answers",
             "sendt": "receipt"}
    return named.get(last, f"step «{last}»")


def visit(browser, nin: str, name: str,
          slug: str = "eksempel") -> list[tuple[str, str, int]]:
    """A first visit: start page, an information page, the intro, log in, every step, send.

    Returns (path, html, bytes as sent) of every page seen, in order.
    """
    from bench.citizen import apply, expect, log_in

    recording = RecordingBrowser(browser)
    for path in (f"/{slug}/", f"/{slug}/individuell-plan", f"/{slug}/soknad"):
        expect(recording.get(path), 200, path)
    log_in(recording, nin, name, slug)
    apply(recording, slug)
    return recording.pages


def weigh_visit(pages: list[tuple[str, str, int]],
                fetch: Fetch) -> tuple[list[PageWeight], PageWeight]:
    cache: dict[str, Resource] = {}
    weights = [weigh_page(label_for(path), path, html, wire, fetch, cache)
               for path, html, wire in pages]
    return weights, journey(weights, cache)


def breakdown(weight: PageWeight) -> str:
    return " + ".join(f"{kind} {weight.sizes[kind] / 1e3:.1f}" for kind in CATEGORIES
                      if weight.sizes[kind] or kind in ("html", "css", "font", "script")) + " kB"
