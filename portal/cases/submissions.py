"""Submissions: the payload's canonical form, its hash, and its encryption at rest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from portal.cases.models import Submission
from portal.identity.crypto import DataKeys, row_context


def canonical_json(payload: dict[str, Any]) -> bytes:
    """One byte form for one payload: sorted keys, no spaces, UTF-8 (RFC 8785 in spirit)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_sha256(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def payload_context(submission: Submission) -> bytes:
    """Bound to the submission, its case and municipality: a payload copied into another
    case's submission does not decrypt there (so it never shows under another person)."""
    return row_context("submission", "payload_encrypted", submission.id,
                       case=submission.case_id, municipality=submission.municipality_id)


def seal_payload(keys: DataKeys, submission: Submission, payload: dict[str, Any]) -> None:
    """Encrypt the payload into the (flushed) submission, with its SHA-256."""
    submission.payload_encrypted = keys.encrypt(canonical_json(payload).decode(),
                                                payload_context(submission))
    submission.payload_sha256 = payload_sha256(payload)


def submission_payload(keys: DataKeys, submission: Submission) -> dict[str, Any]:
    """The payload, never a changed one: checked against its hash."""
    return checked_payload(keys, submission)[0]


def checked_payload(keys: DataKeys, submission: Submission) -> tuple[dict[str, Any], bytes]:
    """The payload and the JSON bytes it was read from, checked against its hash.

    ``seal_payload`` encrypts the canonical bytes, so their SHA-256 is the stored hash and
    the decrypted bytes are checked as they are, without decoding and encoding them again
    (a tenth of a lease of 50 messages, make bench «queue»). Bytes in another form get the
    full check. The bytes are valid JSON of that payload, so an answer can carry them as
    they are (``portal.api.messages.messages_json``)."""
    plaintext = keys.decrypt_bytes(submission.payload_encrypted, payload_context(submission))
    payload = json.loads(plaintext)
    if hashlib.sha256(plaintext).hexdigest() != submission.payload_sha256 \
            and payload_sha256(payload) != submission.payload_sha256:
        raise ValueError(f"submission {submission.id}: payload does not match its hash")
    return payload, plaintext
