"""Nothing typed is lost when a session times out.

A form posted after the session ended is kept (encrypted) and the person is sent to log in.
After logging in again as the same person, the form's page shows what they had typed.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import request
from flask import session as cookie_session
from werkzeug.datastructures import MultiDict

from portal.clock import utcnow
from portal.db import as_utc, session
from portal.identity.crypto import data_keys, row_context
from portal.identity.models import SavedForm, UserSession
from portal.identity.sessions import token_hash

COOKIE_KEY = "saved_form"
KEEP_FOR = timedelta(hours=1)


def save_posted_form(expired: UserSession | None) -> None:
    fields = [(key, value) for key, value in request.form.items(multi=True)
              if key != "csrf_token"]
    if not fields:
        return
    token = secrets.token_urlsafe(24)
    saved = SavedForm(
        token_hash=token_hash(token),
        path=_this_page(),
        person_id=expired.person_id if expired else None,
        staff_user_id=expired.staff_user_id if expired else None,
        data_encrypted=b"",
    )
    session().add(saved)
    session().flush()  # the id binds the ciphertext to this row
    saved.data_encrypted = data_keys().encrypt(json.dumps(fields), saved_form_context(saved))
    cookie_session[COOKIE_KEY] = token


def _this_page() -> str:
    """The page a form belongs to, whatever language it was shown in (the form posted from
    ?lang=en comes back on the page the login returns to, without it)."""
    query = urlencode([(key, value) for key, value in request.args.items(multi=True)
                       if key != "lang"])
    return f"{request.path}?{query}" if query else request.path


def saved_form_context(saved: SavedForm) -> bytes:
    return row_context("saved_form", "data_encrypted", saved.id)


def take_saved_form(person_id: int | None, staff_user_id: int | None) -> MultiDict | None:
    """The form saved for this page and this person, once; None if there is none."""
    token = cookie_session.get(COOKIE_KEY)
    if not token:
        return None
    saved = session().scalar(sa.select(SavedForm).where(SavedForm.token_hash == token_hash(token)))
    if saved is None or saved.path != _this_page():
        return None
    cookie_session.pop(COOKIE_KEY, None)
    session().delete(saved)
    fresh = utcnow() - as_utc(saved.created_at) < KEEP_FOR
    same_person = (saved.person_id, saved.staff_user_id) == (person_id, staff_user_id)
    if not (fresh and same_person):
        return None
    return MultiDict(json.loads(data_keys().decrypt(saved.data_encrypted,
                                                    saved_form_context(saved))))


def delete_old_saved_forms(db) -> int:
    """Worker job: saved forms nobody came back for are deleted after an hour."""
    result = db.execute(sa.delete(SavedForm).where(SavedForm.created_at < utcnow() - KEEP_FOR))
    return result.rowcount or 0
