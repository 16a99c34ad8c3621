"""The case's life: which event may happen in which status, and what status follows.

submitted → received → in_progress ⇄ awaiting_info → decided → closed; withdrawn before a
decision; a complaint re-opens a decided case (complaint_in_progress), which is then sent to
Statsforvalteren or decided anew. Interim replies (forvaltningsloven § 11 a), coordinator
assignments and messages add to the timeline without changing the status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.audit.service import record
from portal.cases.models import Case, CaseEvent, CaseStatus
from portal.clock import utcnow
from portal.queue.models import OutboxMessage
from portal.queue.tasks import enqueue

S = CaseStatus
OPEN = {S.SUBMITTED, S.RECEIVED, S.IN_PROGRESS, S.AWAITING_INFO, S.COMPLAINT_IN_PROGRESS}
NOT_ENDED = OPEN | {S.DECIDED, S.SENT_TO_STATSFORVALTEREN}


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[CaseStatus]
    to: CaseStatus | None  # None: the status stays
    required: tuple[str, ...] = ()


TRANSITIONS = {
    "received": Transition(frozenset({S.SUBMITTED}), S.RECEIVED),
    "in_progress": Transition(frozenset({S.SUBMITTED, S.RECEIVED, S.AWAITING_INFO}),
                              S.IN_PROGRESS),
    "information_requested": Transition(frozenset({S.RECEIVED, S.IN_PROGRESS,
                                                   S.COMPLAINT_IN_PROGRESS}),
                                        S.AWAITING_INFO, ("text", "answer_by")),
    "interim_reply": Transition(frozenset(OPEN), None, ("reason", "expected_decision_date")),
    "decision": Transition(frozenset({S.RECEIVED, S.IN_PROGRESS, S.COMPLAINT_IN_PROGRESS}),
                           S.DECIDED, ("outcome", "decision_date", "complaint_deadline")),
    "coordinator_assigned": Transition(frozenset(NOT_ENDED), None, ("name", "unit")),
    "sent_to_statsforvalteren": Transition(frozenset({S.COMPLAINT_IN_PROGRESS}),
                                           S.SENT_TO_STATSFORVALTEREN),
    "closed": Transition(frozenset({S.DECIDED, S.SENT_TO_STATSFORVALTEREN, S.WITHDRAWN}),
                         S.CLOSED),
    "message": Transition(frozenset(NOT_ENDED | {S.CLOSED}), None, ("text",)),
}
OUTCOMES = ("granted", "partly_granted", "refused")
# Events the person should hear of by e-mail and SMS (portal.notifications.news); the back
# office taking the case and starting on it show on the case page only.
NEWSWORTHY = frozenset({"information_requested", "interim_reply", "decision",
                        "coordinator_assigned", "message", "closed", "sent_to_statsforvalteren"})
DATE_FIELDS = ("answer_by", "expected_decision_date", "decision_date", "complaint_deadline")


class TransitionRefusedError(Exception):
    """The event cannot happen in the case's current status (HTTP 409)."""

    def __init__(self, status: CaseStatus, event_type: str) -> None:
        super().__init__(f"a case that is {status} cannot get the event {event_type}")
        self.status = status
        self.event_type = event_type


class EventDataError(ValueError):
    """The event's data is incomplete or wrong (HTTP 422); ``field`` names the problem."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def case_by_reference(session: Session, municipality_id: int, reference: str) -> Case | None:
    return session.scalar(sa.select(Case).where(Case.reference == reference,
                                                Case.municipality_id == municipality_id))


def check_event_data(event_type: str, data: dict) -> dict:
    transition = TRANSITIONS.get(event_type)
    if transition is None:
        raise EventDataError("type", f"unknown event type {event_type!r}")
    clean = {key: value for key, value in data.items() if value not in (None, "")}
    for name in transition.required:
        if name not in clean:
            raise EventDataError(name, "is required")
    for name in DATE_FIELDS:
        if name in clean:
            try:
                clean[name] = date.fromisoformat(str(clean[name])).isoformat()
            except ValueError:
                raise EventDataError(name, "must be a date like 2026-12-31") from None
    if event_type == "decision" and clean["outcome"] not in OUTCOMES:
        raise EventDataError("outcome", f"must be one of {', '.join(OUTCOMES)}")
    return clean


def apply_event(
    session: Session, case: Case, event_type: str, data: dict, *,
    actor_staff_user_id: int | None = None, api_client_id: int | None = None,
) -> CaseEvent:
    """Add a back-office event to the case, moving its status as the case's life allows."""
    data = check_event_data(event_type, data)
    # Two caseworkers (or a caseworker and an API client) acting at once must not both move
    # the case: lock its row, then decide on the status as it is now (PostgreSQL; SQLite
    # has one writer at a time).
    session.execute(sa.select(Case.id).where(Case.id == case.id).with_for_update())
    session.refresh(case)
    transition = TRANSITIONS[event_type]
    if case.status not in transition.allowed_from:
        raise TransitionRefusedError(case.status, event_type)
    if transition.to is not None:
        case.status = transition.to
    case.updated_at = utcnow()
    event = CaseEvent(case_id=case.id, type=event_type, data=data,
                      actor_staff_user_id=actor_staff_user_id)
    session.add(event)
    if actor_staff_user_id is not None:
        # Made in the portal's own caseworker pages: an integration must hear of it too.
        session.add(OutboxMessage(municipality_id=case.municipality_id,
                                  type=f"case.{event_type}", schema_version=1, case_id=case.id,
                                  payload={"event": event_type, "data": data}))
    record(session, f"case.{event_type}", municipality_id=case.municipality_id,
           actor_staff_user_id=actor_staff_user_id, subject_person_id=case.subject_person_id,
           target=f"case:{case.reference}",
           reason=f"api client {api_client_id}" if api_client_id else "")
    session.flush()
    if event_type in NEWSWORTHY:
        # In the same transaction: the news goes out if, and only if, the event is stored.
        enqueue(session, "case_news", case.municipality_id, case_id=case.id, event_id=event.id)
    return event


def mark_many_received(session: Session, cases: list[Case]) -> None:
    """``mark_received`` for many cases that the caller has locked (a batch acknowledge): the
    same status, case events and audit records, added together so that the flush writes
    each kind in one statement."""
    now = utcnow()
    for case in cases:
        if case.status not in TRANSITIONS["received"].allowed_from:
            continue
        case.status = TRANSITIONS["received"].to
        case.updated_at = now
        session.add(CaseEvent(case_id=case.id, type="received", data={}))
        record(session, "case.received", municipality_id=case.municipality_id,
               subject_person_id=case.subject_person_id, target=f"case:{case.reference}")


def mark_received(session: Session, case: Case) -> None:
    """The back office took the submission: the citizen sees that the municipality has it."""
    if case.status == S.SUBMITTED:
        apply_event(session, case, "received", {})
