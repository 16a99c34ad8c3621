"""One safe-redirect rule for every ``next``, tested against the known bypasses."""

from __future__ import annotations

import pytest

from portal.redirects import is_safe_next, safe_next

# Each of these leaves the site in some browser, or hides a character that a browser drops.
BYPASSES = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",  # the sweep: next=/%09/evil.example became Location: //evil.example
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    "/ /evil.example",
    " //evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/%2f/evil.example",
    "/%2F%2Fevil.example",
    "/%5cevil.example",
    "/%255cevil.example",  # encoded twice
    "/%252f/evil.example",
    "%2f%2fevil.example",
    "https://evil.example",
    "http:/evil.example",
    "//evil.example/eksempel/saker/",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "eksempel/saker/",
    "/\u3000/evil.example",  # an ideographic space
    "/\uff0f\uff0fevil.example",  # full-width solidi
    "/\u2028/evil.example",  # a line separator
    "",
    None,
    ["/eksempel/"],
    "/" + "a" * 2001,
]
# What the portal's own links look like: url_for and request.full_path.
OWN_LINKS = [
    "/eksempel/",
    "/eksempel/saker/IP-2026-7KQ4-M9",
    "/eksempel/soknad/abc_DEF-123/vedlegg?return_to=check",
    "/eksempel/ansatt/saker/?etter=12&lang=en",
    "/eksempel/utkast/?q=%C3%A6%C3%B8%C3%A5",
    "/",
]


@pytest.mark.parametrize("target", BYPASSES)
def test_a_known_bypass_falls_back_to_the_default(target):
    assert not is_safe_next(target)
    assert safe_next(target, "/eksempel/") == "/eksempel/"


@pytest.mark.parametrize("target", OWN_LINKS)
def test_the_portals_own_links_are_kept(target):
    assert safe_next(target, "/default") == target
