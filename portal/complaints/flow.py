"""The complaint as a flow of the step pages (``portal.applications.views``): its steps, its
words, and the hooks the step, check and receipt pages call. ``register()`` runs in
``create_app``."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.applications.filler import current_filler, filler_url
from portal.applications.steps import Flow, register_flow
from portal.cases.deadlines import ComplaintRule
from portal.complaints import service
from portal.complaints.steps import COMPLAINT_STEPS, DECISION, PLAN, deadline_of
from portal.db import session
from portal.i18n import current_language
from portal.identity.crypto import data_keys
from portal.municipalities.service import localized
from portal.municipalities.tenancy import current_municipality

ABOUT_WORDS = {
    "decision": _l("Complaint about a decision"),
    "plan": _l("Complaint about the individual plan"),
    "processing_time": _l("Complaint about processing time"),
}
OUTCOME_WORDS = {"granted": _l("Granted"), "partly_granted": _l("Partly granted"),
                 "refused": _l("Refused")}
WEEKS_BY_RULE = {ComplaintRule.FORVALTNINGSLOVEN: "3",
                 ComplaintRule.PASIENT_OG_BRUKERRETTIGHETSLOVEN: "4"}


def register() -> None:
    register_flow(Flow(
        service.KIND, "klage", COMPLAINT_STEPS, _l("Complaint"),
        check_intro=_l("When you send, the municipality gets your complaint at once. You get a "
                       "receipt."),
        send_button=_l("Send the complaint"), received=_l("We have received your complaint"),
        submit=_submit, refusal=_refusal, prepare_form=_prepare_form, context=_context,
        start_url=_start_url, what_next=what_next, answers_from_payload=answers_from_payload,
        about_rows=about_rows))


def _submit(draft, answers: dict):
    filler = current_filler()
    return service.submit_complaint(
        session(), data_keys(), draft, municipality=current_municipality(),
        sender=filler.person, answers=answers, language=current_language(),
        channel=filler.channel, staff_user_id=filler.staff_user_id,
        desk_visit_id=filler.desk_visit_id)


def _refusal(answers: dict) -> dict:
    if service.still_allowed(session(), data_keys(), current_filler().person, answers,
                             current_municipality().id):
        return {}
    name = answers.get("subject_name") or "?"
    return {"title": _("You can no longer complain for %(name)s", name=name),
            "text": _("The power of attorney has ended or does not cover complaints, so the "
                      "complaint was not sent. Your answers are kept as a draft.")}


def _prepare_form(step, form, answers: dict) -> None:
    if step.key == "late":
        deadline = deadline_of(answers)
        form.late_reason.description = _(
            "The last day to complain was %(date)s. Tell us why you are late. The municipality "
            "can still consider your complaint if there is a good reason (forvaltningsloven "
            "§ 31).", date=format_date(deadline, "long") if deadline else "?")


def _context(step, answers: dict) -> dict:
    """The first question says what the complaint is about."""
    if step.key not in ("disagreement", "plan", "waiting"):
        return {}
    reference = answers.get("concerns_reference")
    decision = answers.get("portal_decision") or {}
    if step.key == "disagreement" and reference and decision:
        intro = _("You complain about the decision of %(date)s in case %(reference)s.",
                  date=_long(decision.get("decision_date")), reference=reference)
    elif step.key == "plan":
        intro = _("You complain that the individual plan in case %(reference)s does not meet "
                  "the requirements. %(who)s handles it.", reference=reference,
                  who=_routed_to(answers))
    elif step.key == "waiting":
        intro = _("You complain that case %(reference)s has taken more than a month without a "
                  "decision or a letter about why.", reference=reference)
    else:
        return {}
    return {"intro": intro}


def _start_url(answers: dict) -> str:
    if current_filler().at_desk:
        return filler_url("visit")
    if answers.get("concerns_reference"):
        return url_for("my_cases.case", reference=answers["concerns_reference"])
    return url_for("complaints.start")


def about_rows(answers: dict) -> list[tuple[str, str]]:
    """What the complaint is about: the first rows of the check page and the receipt."""
    about = answers.get("about", DECISION)
    rows = [(_("What"), str(ABOUT_WORDS[about]))]
    if answers.get("concerns_reference"):
        rows.append((_("Case"), answers["concerns_reference"]))
    decision = answers.get("portal_decision") or {}
    if about == DECISION and decision:
        outcome = str(OUTCOME_WORDS.get(decision.get("outcome"), ""))
        rows.append((_("Decision"), f"{outcome}, {_long(decision.get('decision_date'))}"))
    deadline = deadline_of(answers)
    if deadline is not None:
        rows.append((_("Last day to complain"), format_date(deadline, "long")))
    if about == PLAN:
        rows.append((_("Who handles it"), _routed_to(answers)))
    return rows


def _routed_to(answers: dict) -> str:
    """Complaints about a plan go to the system coordinator named in the profile."""
    return answers.get("routed_to") or localized(current_municipality().plan_complaints_to,
                                                 current_language())


def _long(iso: str | None) -> str:
    return format_date(date.fromisoformat(iso), "long") if iso else "?"


def what_next(municipality, language: str) -> str:
    return _("The municipality looks at your case again. If it agrees with you, it changes the "
             "decision. If not, it sends your complaint to %(body)s, who makes the final "
             "decision. If the municipality cannot answer within a month, it tells you why and "
             "when you can expect an answer.", body=municipality.complaint_body_name)


def answers_from_payload(payload: dict) -> dict:
    """The draft's answers again, from the stored complaint (for the receipt's rows)."""
    concerns = payload["concerns"]
    decision = concerns.get("decision") or {}
    answers = {"about": payload["about"], "concerns_reference": concerns["case_reference"] or "",
               "disagreement": payload["disagreement"], "grounds": payload["grounds"],
               "wanted_change": payload["wanted_change"],
               "postpone": "yes" if payload["postponed_implementation"]["requested"] else "no",
               "postpone_reason": payload["postponed_implementation"]["reason"],
               "late_reason": payload["deadline"]["late_reason"],
               "was_late": payload["deadline"]["late"], "routed_to": payload["routed_to"]}
    if decision.get("made_in_portal"):
        answers["portal_decision"] = {"outcome": decision["outcome"],
                                      "decision_date": decision["date"],
                                      "complaint_deadline": payload["deadline"]["last_day"]}
    elif decision:
        answers.update(decision_date=_typed(decision["date"]),
                       received_date=_typed(decision["received_on"]),
                       decision_reference=decision["reference"],
                       decision_about=decision["about"],
                       deadline_weeks=WEEKS_BY_RULE.get(decision["complaint_rule"], "unknown"))
    return answers


def _typed(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else ""
