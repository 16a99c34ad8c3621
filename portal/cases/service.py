"""The case's life: which event may happen in which status, and what status follows.

An application: submitted → received → in_progress ⇄ awaiting_info → decided → closed;
withdrawn before a decision. A complaint is a case of its own (kind ``complaint``) about the
case it concerns: submitted → received → in_progress (being assessed) ⇄ awaiting_info →
decided (upheld, partly upheld, not upheld, or dismissed) → sent_to_statsforvalteren →
statsforvalteren_decided → closed. While a complaint about a decision is open, the decided
case reads «complaint in progress» or «sent to Statsforvalteren», and a changed decision is
a new ``decision`` event on it. Interim replies (forvaltningsloven § 11 a), coordinator
assignments and messages add to the timeline without changing the status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from portal import clock
from portal.audit.service import record
from portal.cases import next_deadline
from portal.cases.deadlines import ComplaintRule, complaint_deadline
from portal.cases.models import Case, CaseEvent, CaseStatus
from portal.clock import utcnow
from portal.db import among
from portal.queue.models import OutboxMessage
from portal.queue.tasks import enqueue

S = CaseStatus
OPEN = {S.SUBMITTED, S.RECEIVED, S.IN_PROGRESS, S.AWAITING_INFO, S.COMPLAINT_IN_PROGRESS}
NOT_ENDED = OPEN | {S.DECIDED, S.SENT_TO_STATSFORVALTEREN}
COMPLAINT_KIND = "complaint"


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[CaseStatus]
    to: CaseStatus | None  # None: the status stays
    required: tuple[str, ...] = ()


TRANSITIONS = {
    "received": Transition(frozenset({S.SUBMITTED}), S.RECEIVED),
    "in_progress": Transition(frozenset({S.SUBMITTED, S.RECEIVED, S.AWAITING_INFO}),
                              S.IN_PROGRESS),
    "information_requested": Transition(frozenset({S.RECEIVED, S.IN_PROGRESS}),
                                        S.AWAITING_INFO, ("text", "answer_by")),
    "interim_reply": Transition(frozenset(OPEN), None, ("reason", "expected_decision_date")),
    # The complaint deadline is counted from the rule when the event does not give it. A
    # complaint that changes the decision (upheld) leads to a new decision on this case.
    "decision": Transition(frozenset({S.RECEIVED, S.IN_PROGRESS, S.COMPLAINT_IN_PROGRESS}),
                           S.DECIDED, ("outcome", "decision_date")),
    "coordinator_assigned": Transition(frozenset(NOT_ENDED), None, ("name", "unit")),
    # A complaint's own steps (sent to Statsforvalteren, …) are events on the complaint's
    # case (COMPLAINT_TRANSITIONS); this case follows them (follow_complaint).
    "closed": Transition(frozenset({S.DECIDED, S.WITHDRAWN}), S.CLOSED),
    "message": Transition(frozenset(NOT_ENDED | {S.CLOSED}), None, ("text",)),
}

COMPLAINT_OPEN = frozenset({S.SUBMITTED, S.RECEIVED, S.IN_PROGRESS, S.AWAITING_INFO})
COMPLAINT_TRANSITIONS = {
    "received": TRANSITIONS["received"],
    "in_progress": TRANSITIONS["in_progress"],
    "information_requested": Transition(frozenset({S.RECEIVED, S.IN_PROGRESS}),
                                        S.AWAITING_INFO, ("text", "answer_by")),
    "interim_reply": Transition(COMPLAINT_OPEN, None, ("reason", "expected_decision_date")),
    # The municipality's own assessment (forvaltningsloven § 33): it may change the decision
    # itself, or keep it and send the complaint on; a complaint may also be dismissed (avvist:
    # late, or not from a party), with the reason.
    "complaint_decision": Transition(frozenset({S.RECEIVED, S.IN_PROGRESS}), S.DECIDED,
                                     ("outcome", "decision_date")),
    "sent_to_statsforvalteren": Transition(frozenset({S.DECIDED}),
                                           S.SENT_TO_STATSFORVALTEREN, ("sent_on",)),
    "statsforvalteren_decision": Transition(frozenset({S.SENT_TO_STATSFORVALTEREN}),
                                            S.STATSFORVALTEREN_DECIDED,
                                            ("outcome", "decision_date")),
    "closed": Transition(frozenset({S.DECIDED, S.STATSFORVALTEREN_DECIDED, S.WITHDRAWN}),
                         S.CLOSED),
    "message": Transition(frozenset(set(S) - {S.WITHDRAWN}), None, ("text",)),
}
OUTCOMES = {
    "decision": ("granted", "partly_granted", "refused"),
    "complaint_decision": ("upheld", "partly_upheld", "not_upheld", "dismissed"),
    "statsforvalteren_decision": ("confirmed", "changed", "quashed", "dismissed"),
}
# Events the person should hear of by e-mail and SMS (portal.notifications.news); the back
# office taking the case and starting on it show on the case page only.
NEWSWORTHY = frozenset({"information_requested", "interim_reply", "decision",
                        "coordinator_assigned", "message", "closed", "sent_to_statsforvalteren",
                        "complaint_decision", "statsforvalteren_decision"})
DATE_FIELDS = ("answer_by", "expected_decision_date", "decision_date", "complaint_deadline",
               "notified_on", "sent_on")
EVENT_TYPES = frozenset(TRANSITIONS) | frozenset(COMPLAINT_TRANSITIONS)
COMPLAINT_ONLY = frozenset(COMPLAINT_TRANSITIONS) - frozenset(TRANSITIONS)


def transitions_for(case: Case) -> dict[str, Transition]:
    """The events a case of this kind can have, and the statuses each is allowed from."""
    return COMPLAINT_TRANSITIONS if case.kind == COMPLAINT_KIND else TRANSITIONS


class TransitionRefusedError(Exception):
    """The event cannot happen in the case's current status (HTTP 409)."""

    def __init__(self, status: CaseStatus, event_type: str) -> None:
        hint = ("; a complaint is a case of its own: send this event to the complaint's case "
                "(its reference is in the complaint.submitted message)"
                if event_type in COMPLAINT_ONLY else "")
        super().__init__(f"a case that is {status} cannot get the event {event_type}{hint}")
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


def check_event_data(event_type: str, data: dict, case: Case | None = None) -> dict:
    transitions = transitions_for(case) if case is not None else {
        **TRANSITIONS, **COMPLAINT_TRANSITIONS}
    transition = transitions.get(event_type)
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
    allowed = OUTCOMES.get(event_type)
    if allowed and clean["outcome"] not in allowed:
        raise EventDataError("outcome", f"must be one of {', '.join(allowed)}")
    if event_type == "complaint_decision" and clean["outcome"] == "dismissed" \
            and not str(clean.get("reason", "")).strip():
        raise EventDataError("reason", "is required when a complaint is dismissed")
    if event_type == "decision":
        clean.update(_complaint_deadline(clean, case))
    return clean


def default_complaint_rule(case: Case | None) -> ComplaintRule:
    """Decisions on an individual plan or a coordinator are health and care decisions:
    pasient- og brukerrettighetsloven § 7-2, with its deadline of four weeks (§ 7-5).
    Others follow forvaltningsloven § 29 (three weeks)."""
    if case is None or case.kind == "ip_application":
        return ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN
    return ComplaintRule.FORVALTNINGSLOVEN


def _complaint_deadline(data: dict, case: Case | None) -> dict:
    """The rule and the deadline a decision event carries: as given, or counted from the day
    the person was told (``notified_on``; the portal tells them the day it is registered)."""
    try:
        rule = ComplaintRule(data.get("complaint_rule") or default_complaint_rule(case))
    except ValueError:
        choices = ", ".join(rule.value for rule in ComplaintRule)
        raise EventDataError("complaint_rule", f"must be one of {choices}") from None
    if "complaint_deadline" in data:
        return {"complaint_rule": rule.value}
    notified = date.fromisoformat(data["notified_on"]) if "notified_on" in data \
        else clock.today()
    return {"complaint_rule": rule.value,
            "complaint_deadline": complaint_deadline(notified, rule).isoformat()}


def apply_event(
    session: Session, case: Case, event_type: str, data: dict, *,
    actor_staff_user_id: int | None = None, api_client_id: int | None = None,
) -> CaseEvent:
    """Add a back-office event to the case, moving its status as the case's life allows."""
    # Two caseworkers (or a caseworker and an API client) acting at once must not both move
    # the case: lock its row, then decide on the status as it is now (PostgreSQL; SQLite
    # has one writer at a time).
    session.execute(sa.select(Case.id).where(Case.id == case.id).with_for_update())
    session.refresh(case)
    if event_type in EVENT_TYPES and event_type not in transitions_for(case):
        raise TransitionRefusedError(case.status, event_type)  # an event of another kind
    data = check_event_data(event_type, data, case)
    transition = transitions_for(case)[event_type]
    if case.status not in transition.allowed_from or _refused_by_outcome(case, event_type):
        raise TransitionRefusedError(case.status, event_type)
    if transition.to is not None:
        case.status = transition.to
    case.updated_at = utcnow()
    if event_type == "interim_reply" and case.interim_reply_at is None:
        case.interim_reply_at = case.updated_at  # read by the § 11 a watch
    event = CaseEvent(case_id=case.id, type=event_type, data=data,
                      actor_staff_user_id=actor_staff_user_id)
    session.add(event)
    next_deadline.refresh(case, [*case.events, event])
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
    if case.concerns_case_id is not None:
        follow_complaint(session, case, event_type)
    if event_type in NEWSWORTHY:
        # In the same transaction: the news goes out if, and only if, the event is stored.
        enqueue(session, "case_news", case.municipality_id, case_id=case.id, event_id=event.id)
    return event


def _refused_by_outcome(case: Case, event_type: str) -> bool:
    """An upheld complaint has changed the decision: there is nothing to send on."""
    if event_type != "sent_to_statsforvalteren" or case.kind != COMPLAINT_KIND:
        return False
    decided = [e for e in case.events if e.type == "complaint_decision"]
    return bool(decided) and decided[-1].data.get("outcome") == "upheld"


def follow_complaint(session: Session, complaint: Case, event_type: str) -> None:
    """The case a complaint is about reads as the complaint goes: «complaint in progress»,
    «sent to Statsforvalteren», and decided again when the complaint has ended."""
    concerned = session.get(Case, complaint.concerns_case_id)
    following = {
        "submitted": ({S.DECIDED}, S.COMPLAINT_IN_PROGRESS),
        "sent_to_statsforvalteren": ({S.COMPLAINT_IN_PROGRESS}, S.SENT_TO_STATSFORVALTEREN),
        "closed": ({S.COMPLAINT_IN_PROGRESS, S.SENT_TO_STATSFORVALTEREN}, S.DECIDED),
        "withdrawn": ({S.COMPLAINT_IN_PROGRESS, S.SENT_TO_STATSFORVALTEREN}, S.DECIDED),
    }
    if concerned is None or event_type not in following:
        return
    about_decision = any(e.type == "submitted" and e.data.get("about") == "decision"
                         for e in complaint.events)
    before, after = following[event_type]
    if about_decision and concerned.status in before:
        concerned.status = after
    concerned.updated_at = utcnow()
    session.add(CaseEvent(case_id=concerned.id, type=f"complaint_{event_type}",
                          data={"complaint_reference": complaint.reference}))
    session.flush()


def mark_many_received(session: Session, case_ids: list[int]) -> None:
    """``mark_received`` for many cases (a batch acknowledge): the same status, case events
    and audit records. The cases are locked in id order (two batches that overlap wait for
    each other instead of deadlocking); each kind of write is one statement for them all
    (make bench, «queue»). A «received» event sets no deadline: the next one stays."""
    rows = session.execute(
        sa.select(Case.id, Case.kind, Case.status, Case.municipality_id,
                  Case.subject_person_id, Case.reference)
        .where(among(session, Case.id, case_ids)).order_by(Case.id).with_for_update()).all()
    taking = [row for row in rows
              if row.status in transitions_for(row)["received"].allowed_from]
    if not taking:
        return
    now = utcnow()
    session.execute(sa.update(Case).where(among(session, Case.id, [row.id for row in taking]))
                    .values(status=S.RECEIVED, updated_at=now))
    _insert_events(session, [row.id for row in taking], "received", now)
    for row in taking:
        record(session, "case.received", municipality_id=row.municipality_id,
               subject_person_id=row.subject_person_id, target=f"case:{row.reference}")


def _insert_events(session: Session, case_ids: list[int], event_type: str,
                   moment: datetime) -> None:
    """One event of ``event_type`` without data for each case, in one statement: on
    PostgreSQL the cases' ids as one array, unnested (four parameters whatever the batch,
    see ``portal.db.among``); elsewhere one multi-row INSERT (RETURNING makes SQLAlchemy
    send the rows together, insertmanyvalues; without it the driver sends one a row)."""
    table = CaseEvent.__table__
    if session.get_bind().dialect.name == "postgresql":
        ids = sa.bindparam("case_ids", case_ids, type_=postgresql.ARRAY(sa.Integer()))
        session.execute(table.insert().from_select(
            ["case_id", "type", "data", "created_at"],
            sa.select(sa.func.unnest(ids), sa.literal(event_type),
                      sa.literal({}, table.c.data.type),
                      sa.literal(moment, table.c.created_at.type))))
        return
    session.execute(table.insert().returning(table.c.id), [
        {"case_id": case_id, "type": event_type, "data": {}, "created_at": moment}
        for case_id in case_ids])


def mark_received(session: Session, case: Case) -> None:
    """The back office took the submission: the citizen sees that the municipality has it."""
    if case.status == S.SUBMITTED:
        apply_event(session, case, "received", {})
