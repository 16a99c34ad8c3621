from __future__ import annotations

from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent


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
) -> AuditEvent:
    """Add an audit event to the caller's transaction (it commits or rolls back with it)."""
    event = AuditEvent(
        action=action,
        municipality_id=municipality_id,
        actor_person_id=actor_person_id,
        actor_staff_user_id=actor_staff_user_id,
        subject_person_id=subject_person_id,
        target=target,
        reason=reason,
    )
    session.add(event)
    return event
