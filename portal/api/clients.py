"""API clients: create (the token is shown once), find by token, revoke."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.api.models import SCOPES, ApiClient
from portal.clock import utcnow

TOKEN_PREFIX = "ipp_"  # noqa: S105 - makes leaked tokens easy to recognise in scanners


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(session: Session, *, municipality_id: int, name: str,
                  scopes: list[str]) -> tuple[ApiClient, str]:
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(municipality_id=municipality_id, name=name.strip(),
                       token_hash=token_hash(token), scopes=sorted(set(scopes)))
    session.add(client)
    session.flush()
    return client, token


def client_for_token(session: Session, token: str) -> ApiClient | None:
    client = session.scalar(sa.select(ApiClient).where(ApiClient.token_hash == token_hash(token)))
    if client is None or client.revoked_at is not None:
        return None
    return client


def list_clients(session: Session, municipality_id: int) -> list[ApiClient]:
    query = sa.select(ApiClient).where(ApiClient.municipality_id == municipality_id)
    return list(session.scalars(query.order_by(ApiClient.created_at)))


def revoke(session: Session, municipality_id: int, client_id: int) -> bool:
    client = session.get(ApiClient, client_id)
    if client is None or client.municipality_id != municipality_id:
        return False
    client.revoked_at = client.revoked_at or utcnow()
    return True
