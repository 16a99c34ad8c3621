"""Public pages rendered once per process for visitors who bring nothing of their own.

The start page and the information pages are the same for every visitor who is not logged in
and has nothing waiting in the session (a notice, a draft): only the municipality, the
language and the address change them, and the feedback form's CSRF token, which is the
visitor's own. ``@page_cache.public_page`` keeps such a page's HTML for
``PAGE_CACHE_SECONDS`` (30 s, as long as the municipality itself is kept; 0 turns it off)
with the token cut out, and puts this visitor's token back in on every later request (make
bench, «throughput»: rendering was half the start page's time and two thirds of an
information page's).

Everything else a response is made of still happens on every request: the access rules, the
session and its cookie, the security headers, compression. A visitor who is logged in, or has
anything but a CSRF token in the session, or asks with any query parameter but ``lang``, gets
the page rendered for them.
"""

from __future__ import annotations

import functools
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, g, request, session
from flask_login import current_user

from portal.csrf import MASKED, masked_token
from portal.i18n import current_language

CACHE = "portal.page_cache"
MOST_PAGES = 512  # municipalities × languages × public pages, with room to spare
CSRF_FIELD = "csrf_token"
# Stands for the visitor's token in a kept page: random, so no page text can contain it.
TOKEN_MARK = f"csrf-{secrets.token_hex(16)}"


def public_page(view: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(view)
    def serve(*args, **kwargs):
        key = _key()
        if key is None:
            return view(*args, **kwargs)
        pages: OrderedDict = current_app.extensions.setdefault(CACHE, OrderedDict())
        now = time.monotonic()
        kept = pages.get(key)
        if kept is not None and now - kept[0] <= current_app.config["PAGE_CACHE_SECONDS"]:
            pages.move_to_end(key)
            return _with_token(kept[1])
        html = view(*args, **kwargs)
        if isinstance(html, str):
            pages[key] = (now, _without_token(html))
            pages.move_to_end(key)
            while len(pages) > MOST_PAGES:
                pages.popitem(last=False)
        return html

    return serve


def forget_pages() -> None:
    """Something every page shows has changed (a municipality's name, its contact details)."""
    current_app.extensions.get(CACHE, {}).clear()


def _key() -> tuple | None:
    if current_app.config.get("PAGE_CACHE_SECONDS", 0) <= 0:
        return None
    if request.method not in ("GET", "HEAD") or set(request.args) - {"lang"}:
        return None
    if set(session) - {CSRF_FIELD} or current_user.is_authenticated:
        return None
    municipality = g.get("municipality")
    return (request.host, request.full_path, current_language(),
            municipality.slug if municipality is not None else None)


def _without_token(html: str) -> str:
    token = g.get(MASKED)  # the token as this response shows it (portal/csrf.py)
    return html.replace(token, TOKEN_MARK) if token else html


def _with_token(html: str) -> str:
    return html.replace(TOKEN_MARK, masked_token()) if TOKEN_MARK in html else html
