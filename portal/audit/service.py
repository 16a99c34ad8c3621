"""The audit log: who did what to which case or person, and who read what.

An action is recorded in the caller's transaction: if the action is rolled back, so is its
record. A read of personal data is recorded whatever happens next (``record_read``): if the
request ends in an error and its transaction is rolled back, the read is written again on
its own (Normen; pasientjournalloven § 18: a person has the right to know who has read).
Events join their municipality's hash chain when the transaction commits (portal.audit.chain).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.audit.chain import PendingEvent, add_pending
from portal.clock import utcnow
from portal.db import keep_on_rollback


def record(
    session: Session,
    action: str,
    *,
    municipality_id: int | None = None,
    actor_person_id: int | None = None,
    actor_staff_user_id: int | None = None,
    subject_person_id: int | None = None,
    target: str = "",
    reason: str = "",
) -> PendingEvent:
    """Add an audit event to the caller's transaction (it commits or rolls back with it).

    The event is inserted, chained, when the transaction commits: a query before that does
    not see it."""
    event = PendingEvent(
        action=action,
        municipality_id=municipality_id,
        actor_person_id=actor_person_id,
        actor_staff_user_id=actor_staff_user_id,
        subject_person_id=subject_person_id,
        target=target,
        reason=reason,
        created_at=utcnow(),
    )
    add_pending(session, event)
    return event


def record_read(session: Session, action: str, **fields) -> PendingEvent:
    """Record a read (or an attempt that reached personal data): kept even if the request
    fails after it. Call it before anything is rendered or sent."""
    return record_reads(session, action, [fields])[0]


def record_reads(session: Session, action: str, reads: list[dict]) -> list[PendingEvent]:
    """``record_read`` for many reads at once (one event each; a lease of many messages)."""
    events = [record(session, action, **fields) for fields in reads]
    created = [event.created_at for event in events]

    def add_again(after_rollback: Session) -> None:
        for fields, created_at in zip(reads, created, strict=True):
            record(after_rollback, action, **fields).created_at = created_at

    keep_on_rollback(add_again)
    return events
