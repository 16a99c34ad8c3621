"""What the caseworker pages call statuses, events and actions, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from portal.cases.models import CaseEvent, CaseStatus

S = CaseStatus
STATUS_NAMES = {
    S.SUBMITTED: _l("New"),
    S.RECEIVED: _l("Received"),
    S.IN_PROGRESS: _l("In progress"),
    S.AWAITING_INFO: _l("Waiting for information"),
    S.DECIDED: _l("Decided"),
    S.CLOSED: _l("Closed"),
    S.WITHDRAWN: _l("Withdrawn"),
    S.COMPLAINT_IN_PROGRESS: _l("Complaint being handled"),
    S.SENT_TO_STATSFORVALTEREN: _l("Complaint sent to Statsforvalteren"),
    S.STATSFORVALTEREN_DECIDED: _l("Decided by Statsforvalteren"),
}

# The case's next deadline (portal.cases.next_deadline), as the list names it.
DEADLINE_NAMES = {
    "interim_reply": _l("Interim reply due"),
    "expected_decision": _l("Decision expected"),
    "answer": _l("Answer due from the applicant"),
    "complaint": _l("Complaint deadline"),
}

EVENT_NAMES = {
    "submitted": _l("Sent to the municipality"),
    "received": _l("Received"),
    "in_progress": _l("Set to in progress"),
    "information_requested": _l("Asked for more information"),
    "interim_reply": _l("Interim reply sent"),
    "decision": _l("Decision"),
    "coordinator_assigned": _l("Coordinator assigned"),
    "sent_to_statsforvalteren": _l("Complaint sent to Statsforvalteren"),
    "closed": _l("Closed"),
    "message": _l("Message"),
    "withdrawn": _l("Withdrawn"),
    "reply": _l("The applicant answered"),
    "reply_sent": _l("The applicant answered"),
    "complaint_decision": _l("The municipality's assessment of the complaint"),
    "statsforvalteren_decision": _l("Statsforvalteren's decision"),
    "complaint_submitted": _l("A complaint about this case came in"),
    "complaint_sent_to_statsforvalteren": _l("The complaint was sent to Statsforvalteren"),
    "complaint_closed": _l("The complaint is closed"),
    "complaint_withdrawn": _l("The complaint was withdrawn"),
    "consent_given": _l("Consent given"),
    "consent_changed": _l("Consent changed"),
    "consent_withdrawn": _l("Consent withdrawn"),
}

DATA_NAMES = {
    "text": _l("Text"),
    "answer_by": _l("Answer by"),
    "reason": _l("Reason"),
    "expected_decision_date": _l("Expected decision"),
    "outcome": _l("Decision"),
    "decision_date": _l("Date of the decision"),
    "complaint_deadline": _l("Complaint deadline"),
    "complaint_rule": _l("Complaint rule"),
    "sent_on": _l("Sent on"),
    "complaint_reference": _l("Complaint"),
    "name": _l("Name"),
    "unit": _l("Unit"),
    "phone": _l("Phone"),
    "email": _l("E-mail address"),
}
OUTCOME_NAMES = {
    "granted": _l("Granted"),
    "partly_granted": _l("Partly granted"),
    "refused": _l("Refused"),
    "upheld": _l("Upheld"),
    "partly_upheld": _l("Partly upheld"),
    "not_upheld": _l("Not upheld"),
    "dismissed": _l("Dismissed"),
    "confirmed": _l("Confirmed"),
    "changed": _l("Changed"),
    "quashed": _l("Quashed and sent back"),
}
RULE_NAMES = {
    "pasient_og_brukerrettighetsloven_7_5": _l("4 weeks (pasient- og brukerrettighetsloven "
                                               "§ 7-5)"),
    "forvaltningsloven_29": _l("3 weeks (forvaltningsloven § 29)"),
}
DATE_DATA = frozenset({"answer_by", "expected_decision_date", "decision_date",
                       "complaint_deadline", "sent_on", "notified_on"})


@dataclass(frozen=True)
class Action:
    title: object  # heading of the action's form
    button: object


ACTIONS = {
    "received": Action(_l("Mark as received"), _l("Mark as received")),
    "in_progress": Action(_l("Start work on the case"), _l("Set to in progress")),
    "information_requested": Action(_l("Ask the applicant for more information"),
                                    _l("Send the request")),
    "interim_reply": Action(_l("Send an interim reply"), _l("Send the interim reply")),
    "decision": Action(_l("Register the decision"), _l("Register the decision")),
    "coordinator_assigned": Action(_l("Assign a coordinator"), _l("Assign the coordinator")),
    "complaint_decision": Action(_l("Register the municipality's assessment"),
                                 _l("Register the assessment")),
    "sent_to_statsforvalteren": Action(_l("Send the complaint to Statsforvalteren"),
                                       _l("Mark as sent to Statsforvalteren")),
    "statsforvalteren_decision": Action(_l("Register Statsforvalteren's decision"),
                                        _l("Register Statsforvalteren's decision")),
    "closed": Action(_l("Close the case"), _l("Close the case")),
    "message": Action(_l("Write to the applicant"), _l("Send the message")),
}
DONE = {
    "received": _l("The case is marked as received."),
    "in_progress": _l("The case is in progress."),
    "information_requested": _l("The request for information is sent."),
    "interim_reply": _l("The interim reply is sent."),
    "decision": _l("The decision is registered."),
    "coordinator_assigned": _l("The coordinator is assigned."),
    "complaint_decision": _l("The assessment is registered."),
    "sent_to_statsforvalteren": _l("The complaint is marked as sent to Statsforvalteren."),
    "statsforvalteren_decision": _l("Statsforvalteren's decision is registered."),
    "closed": _l("The case is closed."),
    "message": _l("The message is sent."),
    "consent_recorded": _l("The consent is recorded. The person sees it now."),
}


@dataclass(frozen=True)
class TimelineEntry:
    when: object
    what: str
    details: list[tuple[str, str]]


def event_details(data: dict) -> list[tuple[str, str]]:
    """(label, value) for each piece of an event's data that a caseworker reads."""
    details = []
    for name, label in DATA_NAMES.items():
        value = data.get(name)
        if not value:
            continue
        if name in DATE_DATA:
            value = format_date(date.fromisoformat(value), "long")
        elif name == "outcome":
            value = OUTCOME_NAMES.get(value, value)
        elif name == "complaint_rule":
            value = RULE_NAMES.get(value, value)
        details.append((str(label), str(value)))
    return details


def timeline(events: list[CaseEvent]) -> list[TimelineEntry]:
    """The case's events, newest first, each in words with its data."""
    return [TimelineEntry(event.created_at, str(EVENT_NAMES.get(event.type, event.type)),
                          event_details(event.data or {}))
            for event in reversed(events)]

