"""Drafts: create, find (always scoped to owner and municipality), save, expire."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.drafts.models import Draft
from portal.identity.crypto import DataKeys, row_context

DEFAULT_LIFETIME = timedelta(days=30)
# Answers to a request for information are drafts too, but are found from their case.
NOT_LISTED = ("reply",)


def create_draft(
    session: Session, keys: DataKeys, *, municipality_id: int, owner_person_id: int, kind: str,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> Draft:
    now = utcnow()
    draft = Draft(
        public_id=secrets.token_urlsafe(12),
        municipality_id=municipality_id,
        owner_person_id=owner_person_id,
        kind=kind,
        answers_encrypted=b"",
        idempotency_key=secrets.token_hex(16),
        created_at=now,
        updated_at=now,
        expires_at=now + lifetime,
    )
    session.add(draft)
    session.flush()  # the id binds the answers' ciphertext to this row
    draft.answers_encrypted = keys.encrypt("{}", answers_context(draft))
    return draft


def answers_context(draft: Draft) -> bytes:
    return row_context("draft", "answers_encrypted", draft.id, owner=draft.owner_person_id,
                       municipality=draft.municipality_id)


def find_draft(
    session: Session, *, municipality_id: int, owner_person_id: int, public_id: str
) -> Draft | None:
    return session.scalar(_draft_query(), {
        "public_id": public_id, "municipality_id": municipality_id,
        "owner_person_id": owner_person_id, "now": utcnow()})


@cache
def _draft_query() -> sa.Select:
    """Built once per process (every step page asks it); the values are parameters."""
    return sa.select(Draft).where(
        Draft.public_id == sa.bindparam("public_id"),
        Draft.municipality_id == sa.bindparam("municipality_id"),
        Draft.owner_person_id == sa.bindparam("owner_person_id"),
        Draft.expires_at > sa.bindparam("now"),
    )


def open_drafts(session: Session, *, municipality_id: int, owner_person_id: int) -> list[Draft]:
    query = sa.select(Draft).where(
        Draft.municipality_id == municipality_id,
        Draft.owner_person_id == owner_person_id,
        Draft.submission_id.is_(None),
        Draft.expires_at > utcnow(),
        Draft.kind.not_in(NOT_LISTED),
    )
    return list(session.scalars(query.order_by(Draft.updated_at.desc())))


def answers(keys: DataKeys, draft: Draft) -> dict[str, Any]:
    return json.loads(keys.decrypt(draft.answers_encrypted, answers_context(draft)))


def save_answers(
    keys: DataKeys, draft: Draft, values: dict[str, Any], lifetime: timedelta = DEFAULT_LIFETIME
) -> dict[str, Any]:
    """Merge a step's answers into the draft; each save gives the draft its full lifetime."""
    merged = {**answers(keys, draft), **values}
    draft.answers_encrypted = keys.encrypt(json.dumps(merged), answers_context(draft))
    draft.updated_at = utcnow()
    draft.expires_at = draft.updated_at + lifetime
    return merged


def delete_draft(session: Session, draft: Draft) -> None:
    from portal.documents.attachments import Attachment

    session.execute(sa.delete(Attachment).where(Attachment.draft_id == draft.id,
                                                Attachment.submission_id.is_(None)))
    session.delete(draft)


def delete_expired_drafts(session: Session) -> int:
    """Worker job: drafts past their expiry that were never sent, with their attachments."""
    expired = list(session.scalars(
        sa.select(Draft).where(Draft.expires_at <= utcnow(), Draft.submission_id.is_(None))
    ))
    for draft in expired:
        delete_draft(session, draft)
    session.flush()
    return len(expired)
