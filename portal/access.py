"""Every route declares who may use it; a route without a rule is refused.

Views declare a rule with ``@access.rule(...)``; ``enforce_access`` runs before every request
and asks the rule's checker. Rules that need a person or a case (citizen, representative,
staff role, API scope) register their checker here from the identity and representation
packages, so that the decision is made in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request

View = TypeVar("View", bound=Callable)
Checker = Callable[[], None]

PUBLIC = "public"
_checkers: dict[str, Checker] = {PUBLIC: lambda: None}
# Flask's own static file view cannot be decorated; its files are public by nature.
BUILTIN_PUBLIC_ENDPOINTS = frozenset({"static"})


def rule(name: str) -> Callable[[View], View]:
    """Declare the access rule of a view."""

    def mark(view: View) -> View:
        view.access_rule = name  # type: ignore[attr-defined]
        return view

    return mark


public = rule(PUBLIC)


def register_checker(name: str, checker: Checker) -> None:
    """Register how a rule is checked; the checker aborts (401/403/404) to refuse."""
    _checkers[name] = checker


def rule_of(endpoint: str, app: Flask | None = None) -> str | None:
    if endpoint in BUILTIN_PUBLIC_ENDPOINTS:
        return PUBLIC
    view = (app or current_app).view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_access() -> None:
    if request.endpoint is None:  # no route matched: the 404/405 handler answers
        return
    name = rule_of(request.endpoint)
    checker = _checkers.get(name) if name else None
    if checker is None:
        abort(403)  # deny by default: a route with no rule, or an unknown rule, is closed
    checker()


def init_app(app: Flask) -> None:
    app.before_request(enforce_access)
