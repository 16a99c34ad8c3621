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
    S.STATSFORVALTEREN_DECIDED: _l("Statsforvalteren has decided"),
}
# A complaint is a case of its own: some statuses read differently for it.
COMPLAINT_STATUS_WORDS = {
    S.IN_PROGRESS: _l("The municipality is looking at your complaint"),
    S.DECIDED: _l("The municipality has assessed your complaint"),
}
OUTCOME_WORDS = {
    "granted": _l("Your application is granted."),
    "partly_granted": _l("Your application is partly granted."),
    "refused": _l("Your application is refused."),
}
COMPLAINT_OUTCOME_WORDS = {
    "upheld": _l("The municipality agrees with you and changes the decision."),
    "partly_upheld": _l("The municipality agrees with you in part. What it does not agree "
                        "with, it sends to Statsforvalteren."),
    "not_upheld": _l("The municipality does not agree with you. It sends your complaint to "
                     "Statsforvalteren, who makes the final decision."),
    "dismissed": _l("The municipality cannot consider your complaint (it is dismissed). You "
                    "can complain about that to Statsforvalteren."),
}
STATSFORVALTEREN_WORDS = {
    "confirmed": _l("Statsforvalteren agrees with the municipality. The decision stands."),
    "changed": _l("Statsforvalteren has changed the decision."),
    "quashed": _l("Statsforvalteren has set the decision aside and sent the case back. The "
                  "municipality will decide again."),
    "dismissed": _l("Statsforvalteren cannot consider the complaint (it is dismissed)."),
}


def status_word(case) -> str:
    """The case's status as the citizen reads it."""
    if case.kind == "complaint" and case.status in COMPLAINT_STATUS_WORDS:
        return str(COMPLAINT_STATUS_WORDS[case.status])
    return str(STATUS_WORDS.get(case.status, case.status))


def describe(event: CaseEvent, format_date, kind: str = "", done_by: str | None = None,
             ) -> tuple[str, list[str]]:
    """The event's heading and its lines of text for the timeline (``done_by``: who did it,
    as the reader knows them, first)."""
    data = event.data or {}
    day = {key: format_date(data[key]) for key in
           ("answer_by", "expected_decision_date", "decision_date", "complaint_deadline",
            "sent_on") if key in data}
    complaint = kind == "complaint"
    texts = {
        # Who sent, withdrew or answered is said beside it, as the reader knows them
        # (portal.cases.actors): a «you» would be untrue for everyone else who reads.
        "submitted": (_("The complaint was sent") if complaint else
                      _("The application was sent"), []),
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
        "sent_to_statsforvalteren": (_("Your complaint has been sent to Statsforvalteren"), [
            _("Sent %(date)s.", date=day["sent_on"]) if "sent_on" in day else ""]),
        "closed": (_("The case is closed"), []),
        "message": (_("Message from the municipality"), [data.get("text", "")]),
        "withdrawn": (_("The complaint was withdrawn") if complaint else
                      _("The application was withdrawn"), []),
        "reply_sent": (_("The answer was sent to the municipality"), []),
        **_complaint_texts(data, day),
    }
    heading, lines = texts.get(event.type, (event.type, []))
    return heading, [line for line in (done_by, *lines) if line]


def _complaint_texts(data: dict, day: dict) -> dict:
    """A complaint's own events, and what the case it is about shows of them."""
    reference = data.get("complaint_reference", "")
    return {
        "complaint_decision": (_("The municipality has assessed your complaint"), [
            str(COMPLAINT_OUTCOME_WORDS.get(data.get("outcome"), "")), data.get("reason", ""),
            _("Decided %(date)s.", date=day["decision_date"]) if "decision_date" in day
            else ""]),
        "statsforvalteren_decision": (_("Statsforvalteren has decided"), [
            str(STATSFORVALTEREN_WORDS.get(data.get("outcome"), "")),
            _("Decided %(date)s.", date=day["decision_date"]) if "decision_date" in day
            else "",
            # Forvaltningsloven § 28 third paragraph: no complaint on a complaint decision.
            _("You cannot complain about this decision.")]),
        "complaint_submitted": (_("A complaint was sent"), [
            _("The complaint has its own case, %(reference)s, under «My cases».",
              reference=reference)]),
        "complaint_sent_to_statsforvalteren": (
            _("The complaint was sent to Statsforvalteren"), [reference]),
        "complaint_closed": (_("The complaint is closed"), [reference]),
        "complaint_withdrawn": (_("The complaint was withdrawn"), [reference]),
    }
