"""Submissions: the payload's canonical form, its hash, and its encryption at rest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from portal.cases.models import Submission
from portal.identity.crypto import DataKeys

PAYLOAD_CONTEXT = b"submission.payload"


def canonical_json(payload: dict[str, Any]) -> bytes:
    """One byte form for one payload: sorted keys, no spaces, UTF-8 (RFC 8785 in spirit)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_sha256(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def seal_payload(keys: DataKeys, payload: dict[str, Any]) -> tuple[bytes, str]:
    """The encrypted payload and its SHA-256, for a new Submission."""
    return keys.encrypt(canonical_json(payload).decode(), PAYLOAD_CONTEXT), payload_sha256(payload)


def submission_payload(keys: DataKeys, submission: Submission) -> dict[str, Any]:
    payload = json.loads(keys.decrypt(submission.payload_encrypted, PAYLOAD_CONTEXT))
    if payload_sha256(payload) != submission.payload_sha256:  # never hand out a changed payload
        raise ValueError(f"submission {submission.id}: payload does not match its hash")
    return payload
