"""The steps of a complaint, one question (or one small group) per page.

What the complaint is about (``about``), and the decision when it was made in the portal,
are known when the draft starts (``portal.complaints.service.start_answers``); a decision
made on paper is described on the first step. The deadline rule is forvaltningsloven § 29
or pasient- og brukerrettighetsloven § 7-5; a late complaint asks why (forvaltningsloven
§ 31); a complaint about a decision may ask for it to wait (forvaltningsloven § 42).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from portal import clock
from portal.applications import forms as application_forms
from portal.applications.steps import Step
from portal.cases.deadlines import ComplaintRule, complaint_deadline
from portal.complaints import forms
from portal.forms import parse_date

DECISION, PLAN, PROCESSING_TIME = "decision", "plan", "processing_time"
RULE_BY_WEEKS = {"3": ComplaintRule.FORVALTNINGSLOVEN,
                 # Not knowing: counted as four weeks, so no complaint is called late wrongly.
                 "4": ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN,
                 "unknown": ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN}


def _about(*kinds: str):
    return lambda answers: answers.get("about") in kinds


def on_paper(answers: dict) -> bool:
    return answers.get("about") == DECISION and not answers.get("concerns_reference")


def deadline_of(answers: dict) -> date | None:
    """The last day to complain, as the decision gives it or as counted from the paper one."""
    if answers.get("about") != DECISION:
        return None  # plan and processing time: no deadline
    decision = answers.get("portal_decision") or {}
    if decision.get("complaint_deadline"):
        return date.fromisoformat(decision["complaint_deadline"])
    received = parse_date(answers.get("received_date"))
    if received is None:
        return None
    return complaint_deadline(received, RULE_BY_WEEKS.get(answers.get("deadline_weeks"),
                                                          ComplaintRule.FORVALTNINGSLOVEN))


def is_late(answers: dict) -> bool:
    deadline = deadline_of(answers)
    return deadline is not None and clock.today() > deadline


def asks_why_late(answers: dict) -> bool:
    if "was_late" in answers:  # a sent complaint (its receipt): as it was when sent
        return answers["was_late"]
    return answers.get("about") == DECISION and is_late(answers)


COMPLAINT_STEPS = (
    Step("paper_decision", "vedtak", _l("The decision you complain about"),
         forms.PaperDecisionForm, on_paper,
         fields=("decision_date", "received_date", "decision_reference", "decision_about",
                 "deadline_weeks")),
    Step("disagreement", "uenig", _l("What you disagree with"),
         forms.DecisionDisagreementForm, _about(DECISION), fields=("disagreement",)),
    Step("plan", "planen", _l("What is wrong in the plan"), forms.PlanDisagreementForm,
         _about(PLAN), fields=("disagreement",)),
    Step("waiting", "ventetid", _l("The waiting"), forms.ProcessingTimeForm,
         _about(PROCESSING_TIME), fields=("disagreement",)),
    Step("grounds", "begrunnelse", _l("Why you disagree"), forms.GroundsForm,
         _about(DECISION), fields=("grounds",)),
    Step("change", "endring", _l("What you want changed"), forms.WantedChangeForm,
         _about(DECISION, PLAN), fields=("wanted_change",)),
    Step("action", "onske", _l("What you want done"), forms.WantedActionForm,
         _about(PROCESSING_TIME), fields=("wanted_change",)),
    Step("postpone", "utsettelse", _l("Waiting with the decision"), forms.PostponeForm,
         _about(DECISION), fields=("postpone", "postpone_reason")),
    Step("late", "for-sent", _l("After the deadline"), forms.LateForm, asks_why_late,
         fields=("late_reason",)),
    Step("attachments", "vedlegg", _l("Attachments"), application_forms.AttachmentForm),
)
