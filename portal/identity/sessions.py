"""Logins kept on the server (``UserSession``), with idle and absolute timeouts.

Flask-Login holds a random token in the signed session cookie; ``load_actor`` finds the
``UserSession`` by the token's hash on each request and ends it when it has been idle too
long (default 20 minutes) or has lasted too long (default 12 hours). Logout ends the row, so
a copied cookie is worthless afterwards.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app, g
from flask import session as cookie_session
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from portal.clock import utcnow
from portal.db import as_utc, session
from portal.identity.crypto import data_keys, row_context
from portal.identity.models import LoginMethod, Person, SessionKind, StaffUser, UserSession
from portal.representation.models import Representation, Status

# Kept across the fresh session that a login starts: where to go next, and a saved form.
PRESERVED_KEYS = ("saved_form", "login_next")
# Writing last_seen_at on every request would make every page view a database write.
TOUCH_INTERVAL = timedelta(seconds=30)


@dataclass
class Actor:
    """The logged-in user as Flask-Login sees it: a citizen or a staff member."""

    row: UserSession
    token: str
    # Whether the person represents anyone in this page's municipality (an active
    # representation, whatever its dates); None when not asked (a page outside one).
    # When False, ``acts_for_others`` answers without a query of its own.
    may_represent: bool | None = None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.token

    @property
    def kind(self) -> SessionKind:
        return self.row.kind

    @property
    def person(self) -> Person | None:
        return self.row.person

    @property
    def staff(self) -> StaffUser | None:
        return self.row.staff_user

    @property
    def display_name(self) -> str:
        if self.staff:
            return self.staff.name
        return self.person.name if self.person else ""

    def expires_at(self) -> datetime:
        """When the session ends unless the user does something."""
        config = current_app.config
        idle_end = as_utc(self.row.last_seen_at) + timedelta(seconds=config["SESSION_IDLE_SECONDS"])
        absolute_end = as_utc(self.row.created_at) + timedelta(
            seconds=config["SESSION_ABSOLUTE_SECONDS"]
        )
        return min(idle_end, absolute_end)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def id_token_context(row: UserSession) -> bytes:
    return row_context("user_session", "id_token_encrypted", row.id)


def start_session(
    kind: SessionKind, method: LoginMethod, *, person: Person | None = None,
    staff: StaffUser | None = None, id_token: str | None = None,
) -> Actor:
    """Log in: a fresh cookie session (no fixation) and a new server-side row."""
    if current_user.is_authenticated:  # whoever was logged in in this browser is logged out
        end_session(current_user.row, "replaced")
    preserved = {key: cookie_session[key] for key in PRESERVED_KEYS if key in cookie_session}
    cookie_session.clear()
    cookie_session.update(preserved)
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=token_hash(token), kind=kind, method=method, person=person,
                      staff_user=staff)
    session().add(row)
    session().flush()
    if id_token is not None:  # ID-porten's logout needs it back as id_token_hint
        row.id_token_encrypted = data_keys().encrypt(id_token, id_token_context(row))
    actor = Actor(row=row, token=token)
    cookie_session.permanent = True
    login_user(actor)
    return actor


def load_actor(token: str) -> Actor | None:
    """Flask-Login's user loader: the live session for this token, or None.

    One query: the session, its person, and whether the person represents anyone here.
    Each was a round trip of its own on every logged-in page (make bench, «throughput»)."""
    municipality = g.get("municipality")
    values = {"token_hash": token_hash(token)}
    if municipality is not None:
        values["municipality_id"] = municipality.id
    found = session().execute(_live_session_query(municipality is not None), values).first()
    if found is None or found[0].ended_at is not None:
        return None
    row = found[0]
    actor = Actor(row=row, token=token, may_represent=found[1] if len(found) > 1 else None)
    now = utcnow()
    if now >= actor.expires_at():
        idle = now - as_utc(row.last_seen_at) >= timedelta(
            seconds=current_app.config["SESSION_IDLE_SECONDS"]
        )
        end_session(row, "idle" if idle else "absolute")
        g.expired_session = row
        return None
    idle_limit = timedelta(seconds=current_app.config["SESSION_IDLE_SECONDS"])
    if now - as_utc(row.last_seen_at) >= min(TOUCH_INTERVAL, idle_limit / 10):
        row.last_seen_at = now
    return actor


@cache
def _live_session_query(in_municipality: bool) -> sa.Select:
    """Built once per process; the token's hash and the municipality are parameters."""
    query = (sa.select(UserSession)
             .where(UserSession.token_hash == sa.bindparam("token_hash"))
             .options(joinedload(UserSession.person)))
    if not in_municipality:
        return query
    represents = sa.exists().where(
        Representation.representative_person_id == UserSession.person_id,
        Representation.municipality_id == sa.bindparam("municipality_id"),
        Representation.status == Status.ACTIVE)
    return query.add_columns(represents.label("may_represent"))


def extend(actor: Actor) -> None:
    actor.row.last_seen_at = utcnow()


def end_session(row: UserSession, reason: str) -> None:
    row.ended_at = utcnow()
    row.end_reason = reason


def log_out(actor: Actor) -> None:
    end_session(actor.row, "logout")
    logout_user()
    cookie_session.clear()
