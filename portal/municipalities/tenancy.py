"""URLs are prefixed with the municipality: ``/<slug>/…``.

``tenant_blueprint`` makes a blueprint whose views find the municipality in
``g.municipality`` (404 for an unknown slug) and whose ``url_for`` calls fill in the slug.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g

from portal.db import session
from portal.municipalities.models import Municipality
from portal.municipalities.service import get_by_slug

SLUG_ARGUMENT = "municipality_slug"


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    blueprint = Blueprint(name, import_name, url_prefix=f"/<{SLUG_ARGUMENT}>{url_prefix}")
    blueprint.url_value_preprocessor(_load_municipality)
    blueprint.url_defaults(_add_slug)
    return blueprint


def current_municipality() -> Municipality:
    return g.municipality


def _load_municipality(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    slug = (values or {}).pop(SLUG_ARGUMENT, None)
    municipality = get_by_slug(session(), slug) if slug else None
    if municipality is None:
        abort(404)
    g.municipality = municipality


def _add_slug(_endpoint: str, values: dict[str, Any]) -> None:
    if SLUG_ARGUMENT not in values and "municipality" in g:
        values[SLUG_ARGUMENT] = g.municipality.slug
