"""Bearer tokens for back-office systems, checked through the access rules in one place.

Rules ``api:queue`` and ``api:cases``: a live API client with that scope. The client sees
only its own municipality: every query below filters on ``g.api_client.municipality_id``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import g, request
from werkzeug.exceptions import Forbidden, Unauthorized

from portal import access
from portal.api.clients import Caller, client_for_token, note_used
from portal.api.models import SCOPES
from portal.clock import utcnow
from portal.db import as_utc, session

# How fresh «last used» is on the admin's page of API clients. Writing it on every call made
# each request of a client lock the client's row until its commit, so a client's consumers
# took turns however many there were (make bench, «queue»); a minute is plenty for an admin.
LAST_USED_PRECISION = timedelta(minutes=1)


def current_client() -> Caller:
    return g.api_client


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def scope_checker(scope: str):
    def check() -> None:
        token = _bearer_token()
        client = client_for_token(session(), token) if token else None
        if client is None:
            refuse(Unauthorized(), scope,
                   "Send a live API client's token: Authorization: Bearer <token>. "
                   f"This operation needs the scope {scope}.")
        if scope not in client.scopes:
            refuse(Forbidden(), scope, f"This API client lacks the scope {scope}, which this "
                                       "operation needs. An admin can give it.")
        note_use(client)
        g.api_client = client

    return check


def note_use(client: Caller) -> None:
    now = utcnow()
    if client.last_used_at is None or as_utc(client.last_used_at) <= now - LAST_USED_PRECISION:
        note_used(session(), client.id, now)


def refuse(error, scope: str, detail: str):
    """401 or 403 as problem details saying what is missing (portal.security.api_problem)."""
    error.api_detail = detail
    error.api_extra = {"required_scope": scope}
    raise error


def register() -> None:
    for scope in SCOPES:
        access.register_checker(f"api:{scope}", scope_checker(scope))


def scope(name: str):
    return access.rule(f"api:{name}")
