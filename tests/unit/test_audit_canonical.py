"""The audit row's hash is taken over one canonical JSON text; ``append`` writes it in two
pieces (the tail before the chain's lock, the head under it), and the pieces must make the
very text ``verify`` takes the hash of."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from portal.audit.chain import HASH_VERSION, PendingEvent, canonical, row_hash


def whole_text(event: PendingEvent) -> bytes:
    """The canonical text as it was written before it was split (in one json.dumps)."""
    return json.dumps([
        event.chain, event.chain_seq, event.prev_hash, event.municipality_id, event.action,
        event.actor_person_id, event.actor_staff_user_id, event.subject_person_id,
        event.target or "", event.reason or "",
        event.created_at.isoformat(timespec="microseconds"),
    ], ensure_ascii=False, separators=(",", ":")).encode()


def test_the_canonical_text_in_two_pieces_is_the_text_written_in_one():
    event = PendingEvent(action="case.read", municipality_id=7, subject_person_id=None,
                         target='case:IP-2026-ÆØÅ "quoted" \\ \n', reason="api client 3 (Gerica)",
                         created_at=datetime(2026, 12, 3, 11, 0, 5, 12, tzinfo=UTC),
                         chain=7, chain_seq=123456, prev_hash="ab" * 32)
    assert canonical(event) == whole_text(event)
    assert row_hash(event) == hashlib.sha256(
        HASH_VERSION + whole_text(event)).hexdigest()


def test_an_event_of_no_municipality_and_no_reason_has_the_same_text_too():
    event = PendingEvent(action="login", created_at=datetime(2026, 1, 1, tzinfo=UTC),
                         chain=0, chain_seq=1, prev_hash="0" * 64)
    assert canonical(event) == whole_text(event)
