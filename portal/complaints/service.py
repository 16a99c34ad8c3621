"""Complaints (klage): who may complain about what, and sending a complaint.

A complaint is a case of its own (kind ``complaint``, reference ``KL-…``), so that it has
its own status, timeline, interim replies and receipt, and the back office works it like any
case. When it is about a case in the portal, it points to that case (``concerns_case_id``),
and that case reads «complaint in progress» while a complaint about its decision is open
(``portal.cases.service.follow_complaint``). Sending is one transaction with the outbox
message, through ``portal.cases.opening``.

Who may complain is decided where every representation question is: ``decide`` with the
scope ``complain`` (the person; a parent of a child under 16; a representative whose
fullmakt covers complaints). The three things to complain about:

* a decision (forvaltningsloven § 28; pasient- og brukerrettighetsloven § 7-2), within the
  deadline the decision gives (§ 29 or § 7-5); a late one says why (§ 31);
* the plan's content, when it does not meet forskrift om habilitering og rehabilitering,
  individuell plan og koordinator § 19 (routed to the municipality's system coordinator);
* processing time: no decision and no interim reply a month after the case came
  (forvaltningsloven § 11 a).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.payloads import envelope, validate_payload
from portal.cases.following import latest, overdue
from portal.cases.models import Case, CaseStatus
from portal.cases.opening import open_case, submission_once
from portal.cases.service import follow_complaint
from portal.clock import utcnow
from portal.complaints.steps import DECISION, PLAN, PROCESSING_TIME, deadline_of, is_late
from portal.drafts.models import Draft
from portal.forms import parse_date
from portal.identity.crypto import DataKeys
from portal.identity.models import Person
from portal.identity.nin import parse_nin
from portal.identity.persons import find_or_create_person, find_person, person_nin
from portal.municipalities.models import Municipality
from portal.municipalities.service import localized
from portal.representation.models import ROLE_BY_BASIS, Scope
from portal.representation.rules import Decision, decide

KIND = "complaint"
COMPLAINABLE = ("ip_application",)
GRANTED = ("granted", "partly_granted")
# What the person says the letter gives them; not knowing is stored as no rule.
PAPER_RULES = {"3": "forvaltningsloven_29", "4": "pasient_og_brukerrettighetsloven_7_5"}
S = CaseStatus


class MayNotComplainError(Exception):
    """This person may not (or may no longer) complain about this, for this person."""


def may_complain(session: Session, person: Person, subject_person_id: int,
                 municipality_id: int) -> Decision:
    return decide(session, actor=person, principal_id=subject_person_id, scope=Scope.COMPLAIN,
                  municipality_id=municipality_id)


def open_complaints(session: Session, case: Case) -> list[Case]:
    return list(session.scalars(sa.select(Case).where(
        Case.concerns_case_id == case.id, Case.kind == KIND,
        Case.status.not_in((S.CLOSED, S.WITHDRAWN))).order_by(Case.id)))


def about_case(session: Session, case: Case) -> list[Case]:
    """Every complaint about this case, oldest first."""
    return list(session.scalars(sa.select(Case).where(
        Case.concerns_case_id == case.id, Case.kind == KIND).order_by(Case.id)))


def offers(session: Session, person: Person, case: Case) -> list[str]:
    """What this person may complain about in this case now, in the order the page shows."""
    if case.kind not in COMPLAINABLE or not may_complain(
            session, person, case.subject_person_id, case.municipality_id):
        return []
    already = {_about(complaint) for complaint in open_complaints(session, case)}
    decision = latest(case, "decision")
    found = []
    if decision is not None and case.status in (S.DECIDED, S.CLOSED):
        found.append(DECISION)
    if decision is not None and decision.data.get("outcome") in GRANTED:
        found.append(PLAN)
    if overdue(case) is not None:
        found.append(PROCESSING_TIME)
    return [about for about in found if about not in already]


def _about(complaint: Case) -> str:
    first = next((e for e in complaint.events if e.type == "submitted"), None)
    return first.data.get("about", "") if first else ""


def start_answers(session: Session, keys: DataKeys, person: Person, case: Case,
                  about: str) -> dict:
    """What a complaint about this case knows from the start: whom and what it is about."""
    if about not in offers(session, person, case):
        raise MayNotComplainError(about)
    decision = may_complain(session, person, case.subject_person_id, case.municipality_id)
    answers = {"about": about, "concerns_reference": case.reference,
               **_subject_answers(keys, decision, session.get(Person, case.subject_person_id))}
    made = latest(case, "decision")
    if made is not None:
        answers["portal_decision"] = {
            key: made.data[key] for key in ("outcome", "decision_date", "complaint_deadline",
                                            "complaint_rule") if key in made.data}
    return answers


def paper_answers(session: Session, keys: DataKeys, person: Person, subject: Person,
                  municipality_id: int) -> dict:
    """A complaint about a decision that did not come through the portal."""
    decision = may_complain(session, person, subject.id, municipality_id)
    if not decision:
        raise MayNotComplainError(DECISION)
    return {"about": DECISION, "concerns_reference": "",
            **_subject_answers(keys, decision, subject)}


def _subject_answers(keys: DataKeys, decision: Decision, subject: Person) -> dict:
    representation = decision.representation
    return {"for_whom": ROLE_BY_BASIS[representation.basis] if representation else "self",
            "subject_nin": person_nin(keys, subject).value, "subject_name": subject.name,
            "representation": representation.id if representation else None}


def still_allowed(session: Session, keys: DataKeys, person: Person, answers: dict,
                  municipality_id: int) -> bool:
    """Checked again when sending: a fullmakt may have ended since the draft began."""
    subject = find_person(session, keys, parse_nin(answers["subject_nin"], allow_synthetic=True))
    return subject is not None and bool(
        may_complain(session, person, subject.id, municipality_id))


def concerned_case(session: Session, answers: dict, municipality_id: int) -> Case | None:
    reference = answers.get("concerns_reference")
    if not reference:
        return None
    return session.scalar(sa.select(Case).where(Case.reference == reference,
                                                Case.municipality_id == municipality_id))


def submit_complaint(session: Session, keys: DataKeys, draft: Draft, *,
                     municipality: Municipality, sender: Person, answers: dict, language: str,
                     channel: str = "web", staff_user_id: int | None = None,
                     desk_visit_id: int | None = None):
    """Send the complaint once: a resent POST finds the submission already made."""
    return submission_once(session, draft.idempotency_key, lambda: _open_complaint(
        session, keys, draft, municipality=municipality, sender=sender, answers=answers,
        language=language, channel=channel, staff_user_id=staff_user_id,
        desk_visit_id=desk_visit_id))


def _open_complaint(session, keys, draft, *, municipality, sender, answers, language, channel,
                    staff_user_id, desk_visit_id):
    from portal.documents.attachments import attachments_for_draft

    subject = find_or_create_person(session, keys, parse_nin(
        answers["subject_nin"], allow_synthetic=True), name=answers.get("subject_name", ""))
    if not may_complain(session, sender, subject.id, municipality.id):
        raise MayNotComplainError(answers.get("about"))
    concerns = concerned_case(session, answers, municipality.id)
    files = attachments_for_draft(session, municipality.id, draft.id)
    payload = build_payload(keys, answers, municipality=municipality, sender=sender,
                            subject=subject, concerns=concerns, files=files, language=language,
                            channel=channel)
    late = payload["deadline"]["late"]
    case, submission = open_case(
        session, keys, municipality_id=municipality.id, kind=KIND, subject=subject,
        sender=sender, payload=payload, idempotency_key=draft.idempotency_key,
        language=language, channel=channel, attachment_ids=[f.id for f in files],
        event_data={"about": answers["about"], "late": late,
                    "concerns": concerns.reference if concerns else None},
        concerns=concerns, submitted_late=late, sender_staff_user_id=staff_user_id,
        desk_visit_id=desk_visit_id)
    if concerns is not None:
        follow_complaint(session, case, "submitted")
    draft.submission_id = submission.id
    session.flush()
    return submission


def build_payload(keys: DataKeys, answers: dict, *, municipality: Municipality, sender: Person,
                  subject: Person, concerns: Case | None, files, language: str,
                  channel: str) -> dict:
    """The ``complaint`` payload (schemas/complaint.v1.json), validated."""
    nin = person_nin(keys, subject)
    payload = envelope(keys, KIND, municipality=municipality, applicant=sender,
                       role=answers.get("for_whom", "self"), subject_nin=nin.value,
                       subject_name=subject.name, subject_birth_date=nin.birth_date,
                       language=language, submitted_at=utcnow(), channel=channel)
    deadline = deadline_of(answers)
    payload.update({
        "about": answers["about"],
        "concerns": {"case_reference": concerns.reference if concerns else None,
                     "decision": _decision_part(answers)},
        "disagreement": answers["disagreement"],
        "grounds": answers.get("grounds", ""),
        "wanted_change": answers["wanted_change"],
        "postponed_implementation": {"requested": answers.get("postpone") == "yes",
                                     "reason": answers.get("postpone_reason", "")},
        "deadline": {"last_day": deadline.isoformat() if deadline else None,
                     "late": is_late(answers),
                     "late_reason": answers.get("late_reason", "") if is_late(answers) else ""},
        "routed_to": localized(municipality.plan_complaints_to, language)
        if answers["about"] == PLAN else None,
        "attachments": [{"id": f.id, "display_name": f.display_name,
                         "content_type": f.content_type, "size_bytes": f.size_bytes,
                         "sha256": f.sha256} for f in files],
    })
    validate_payload(payload)
    return payload


def _decision_part(answers: dict) -> dict | None:
    if answers["about"] != DECISION and not answers.get("portal_decision"):
        return None
    portal = answers.get("portal_decision")
    if portal:
        return {"made_in_portal": True, "date": portal.get("decision_date"),
                "outcome": portal.get("outcome"), "reference": answers["concerns_reference"],
                "about": "", "received_on": None,
                "complaint_rule": portal.get("complaint_rule")}
    return {"made_in_portal": False,
            "date": _iso(parse_date(answers.get("decision_date"))),
            "outcome": None, "reference": answers.get("decision_reference", ""),
            "about": answers.get("decision_about", ""),
            "received_on": _iso(parse_date(answers.get("received_date"))),
            "complaint_rule": PAPER_RULES.get(answers.get("deadline_weeks"))}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
