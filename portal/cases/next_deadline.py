"""The next date the municipality must meet in a case, kept on the case for the caseworker's
list (sorted and filtered by it without reading every case's timeline).

* Waiting for a first decision: an interim reply is due one calendar month after the case
  came (forvaltningsloven § 11 a); once one is sent, the decision is due on the date it gave.
* Waiting for the citizen: the answer is due on the date the request gave.
* Decided: the complaint deadline the decision gave (forvaltningsloven § 29,
  pasient- og brukerrettighetsloven § 7-5).
"""

from __future__ import annotations

import calendar
from datetime import date

from portal.cases.models import Case, CaseEvent, CaseStatus
from portal.clock import norway_date

S = CaseStatus
INTERIM_REPLY = "interim_reply"
EXPECTED_DECISION = "expected_decision"
ANSWER = "answer"
COMPLAINT = "complaint"
AWAITING_DECISION = frozenset({S.SUBMITTED, S.RECEIVED, S.IN_PROGRESS})


def month_after(day: date) -> date:
    """The same day a calendar month later (31 January gives the last day of February)."""
    year, month = (day.year, day.month + 1) if day.month < 12 else (day.year + 1, 1)
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def refresh(case: Case, events: list[CaseEvent]) -> None:
    """Set the case's next deadline and its kind from its status and events."""
    case.next_deadline_kind, case.next_deadline = _next(case, events)


def _next(case: Case, events: list[CaseEvent]) -> tuple[str | None, date | None]:
    latest = {event.type: event for event in events}  # events come oldest first
    if case.status in AWAITING_DECISION:
        if INTERIM_REPLY in latest:
            return EXPECTED_DECISION, _date(latest[INTERIM_REPLY], "expected_decision_date")
        return INTERIM_REPLY, month_after(norway_date(case.created_at))
    if case.status == S.AWAITING_INFO and "information_requested" in latest:
        return ANSWER, _date(latest["information_requested"], "answer_by")
    if case.status == S.DECIDED and "decision" in latest:
        deadline = _date(latest["decision"], "complaint_deadline")
        return (COMPLAINT, deadline) if deadline else (None, None)
    return None, None


def _date(event: CaseEvent, name: str) -> date | None:
    text = (event.data or {}).get(name)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
