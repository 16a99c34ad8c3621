"""URLs are prefixed with the municipality: ``/<slug>/…``.

``tenant_blueprint`` makes a blueprint whose views find the municipality in
``g.municipality`` (404 for an unknown slug) and whose ``url_for`` calls fill in the slug.

Each process keeps the municipalities it has loaded for ``MUNICIPALITY_CACHE_SECONDS``
(30 s; 0 turns it off): a page that needs nothing else from the database then makes no
round trip to it at all (make bench, «throughput»: the look-up was a third of the start
page's time). A change made elsewhere shows within that time; one made in this process at
once (``forget_municipality``).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, current_app, g, has_app_context

from portal import page_cache
from portal.db import get_db, session
from portal.municipalities.models import Municipality
from portal.municipalities.service import get_by_slug

SLUG_ARGUMENT = "municipality_slug"
CACHE = "portal.municipalities"


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    blueprint = Blueprint(name, import_name, url_prefix=f"/<{SLUG_ARGUMENT}>{url_prefix}")
    blueprint.url_value_preprocessor(_load_municipality)
    blueprint.url_defaults(_add_slug)
    return blueprint


def current_municipality() -> Municipality:
    return g.municipality


def _load_municipality(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    slug = (values or {}).pop(SLUG_ARGUMENT, None)
    municipality = _municipality(slug) if slug else None
    if municipality is None:
        abort(404)
    g.municipality = municipality


def _municipality(slug: str) -> Municipality | None:
    seconds = current_app.config.get("MUNICIPALITY_CACHE_SECONDS", 0)
    if seconds <= 0:
        return get_by_slug(session(), slug)
    cache = current_app.extensions.setdefault(CACHE, {})
    loaded_at, kept = cache.get(slug, (float("-inf"), None))
    now = time.monotonic()
    if now - loaded_at > seconds:
        with get_db().session_factory() as fresh:
            kept = get_by_slug(fresh, slug)
            if kept is None:
                cache.pop(slug, None)
                return None
            fresh.expunge(kept)
        cache[slug] = (now, kept)
    # Into this request's session without a query; the kept copy is never changed.
    return session().merge(kept, load=False)


def forget_municipality(slug: str) -> None:
    """The municipality has changed: load it again on its next request in this process, and
    render again the public pages that show it."""
    if has_app_context():
        current_app.extensions.get(CACHE, {}).pop(slug, None)
        page_cache.forget_pages()


def _add_slug(_endpoint: str, values: dict[str, Any]) -> None:
    if SLUG_ARGUMENT not in values and "municipality" in g:
        values[SLUG_ARGUMENT] = g.municipality.slug
