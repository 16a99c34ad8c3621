"""How a case's status and timeline read to the citizen: plain words, addressed as "you"."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.cases.models import CaseEvent, CaseStatus

S = CaseStatus
STATUS_WORDS = {
    S.SUBMITTED: _l("Sent"),
    S.RECEIVED: _l("Received by the municipality"),
    S.IN_PROGRESS: _l("Being handled"),
    S.AWAITING_INFO: _l("The municipality needs information from you"),
    S.DECIDED: _l("Decided"),
    S.CLOSED: _l("Closed"),
    S.WITHDRAWN: _l("Withdrawn"),
    S.COMPLAINT_IN_PROGRESS: _l("Your complaint is being handled"),
    S.SENT_TO_STATSFORVALTEREN: _l("Your complaint has been sent to Statsforvalteren"),
}
OUTCOME_WORDS = {
    "granted": _l("Your application is granted."),
    "partly_granted": _l("Your application is partly granted."),
    "refused": _l("Your application is refused."),
}


def describe(event: CaseEvent, format_date) -> tuple[str, list[str]]:
    """The event's heading and its lines of text for the timeline."""
    data = event.data or {}
    day = {key: format_date(data[key]) for key in
           ("answer_by", "expected_decision_date", "decision_date", "complaint_deadline")
           if key in data}
    texts = {
        "submitted": (_("You sent the application"), []),
        "received": (_("The municipality has received it"), []),
        "in_progress": (_("The municipality is working on it"), []),
        "information_requested": (_("The municipality needs more information"), [
            data.get("text", ""),
            _("Answer by %(date)s.", date=day["answer_by"]) if "answer_by" in day else ""]),
        "interim_reply": (_("The case takes longer"), [
            data.get("reason", ""),
            _("Expected decision: %(date)s.", date=day["expected_decision_date"])
            if "expected_decision_date" in day else ""]),
        "decision": (_("Decision"), [
            str(OUTCOME_WORDS.get(data.get("outcome"), "")),
            _("Decided %(date)s.", date=day["decision_date"]) if "decision_date" in day else "",
            _("If you disagree, you can complain by %(date)s.", date=day["complaint_deadline"])
            if "complaint_deadline" in day else ""]),
        "coordinator_assigned": (_("You have a coordinator"), [
            " · ".join(part for part in (data.get("name"), data.get("unit"), data.get("phone"),
                                         data.get("email")) if part)]),
        "sent_to_statsforvalteren": (_("Your complaint has been sent to Statsforvalteren"), []),
        "closed": (_("The case is closed"), []),
        "message": (_("Message from the municipality"), [data.get("text", "")]),
        "withdrawn": (_("The application was withdrawn"), []),
        "reply_sent": (_("The answer was sent to the municipality"), []),
    }
    heading, lines = texts.get(event.type, (event.type, []))
    return heading, [line for line in lines if line]
