"""What a citizen (or their representative) does in a case: answer a request, withdraw.

Both go to the back office as submissions (``reply``, ``withdrawal``) through
``portal.cases.sending``, and move the case: an answer takes it from «waiting for you» back
to «in progress»; a withdrawal ends it, and is possible only before a decision.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.payloads import envelope as payload_envelope
from portal.cases import next_deadline
from portal.cases.following import latest
from portal.cases.models import Case, CaseStatus, Submission
from portal.cases.opening import find_submission
from portal.cases.sending import send
from portal.cases.service import follow_complaint
from portal.clock import utcnow
from portal.drafts.models import Draft
from portal.drafts.service import answers, create_draft
from portal.identity.crypto import DataKeys
from portal.identity.models import Person
from portal.identity.persons import person_nin
from portal.municipalities.models import Municipality
from portal.representation.models import ROLE_BY_BASIS, Scope
from portal.representation.rules import Decision, decide

S = CaseStatus
WITHDRAWABLE = frozenset({S.SUBMITTED, S.RECEIVED, S.IN_PROGRESS, S.AWAITING_INFO})


class EmptyAnswerError(ValueError):
    """An answer needs text, a file, or both."""


class NotNowError(Exception):
    """The case is no longer in a status where this can be done (someone else got there)."""


def may_act(session: Session, person: Person, case: Case) -> Decision:
    """May this person answer or withdraw in the case? (the scope of applying; in a
    complaint's case, the scope of complaining)."""
    scope = Scope.COMPLAIN if case.kind == "complaint" else Scope.APPLY
    return decide(session, actor=person, principal_id=case.subject_person_id,
                  scope=scope, municipality_id=case.municipality_id)


def role_of(decision: Decision) -> str:
    return ROLE_BY_BASIS[decision.representation.basis] if decision.representation else "self"


def _key(*parts: object) -> str:
    return hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()


def envelope(keys: DataKeys, kind: str, *, municipality: Municipality, sender: Person,
             role: str, subject: Person, language: str, channel: str = "web") -> dict:
    """The common part of a payload for a submission into an existing case, sent now."""
    subject_nin = person_nin(keys, subject)
    return payload_envelope(keys, kind, municipality=municipality, applicant=sender, role=role,
                            subject_nin=subject_nin.value, subject_name=subject.name,
                            subject_birth_date=subject_nin.birth_date, language=language,
                            submitted_at=utcnow(), channel=channel)


# --- Answering a request for information ---------------------------------------------------


def open_request(case: Case):
    """The request for information the person can answer now, or None."""
    return latest(case, "information_requested") if case.status == S.AWAITING_INFO else None


def reply_draft(session: Session, keys: DataKeys, case: Case, person: Person) -> Draft | None:
    """The draft answer to the case's open request (one per request and person), or None."""
    request = open_request(case)
    if request is None:
        return None
    key = _key("reply", case.id, request.id, person.id)
    draft = session.scalar(sa.select(Draft).where(Draft.idempotency_key == key))
    if draft is None:
        draft = create_draft(session, keys, municipality_id=case.municipality_id,
                             owner_person_id=person.id, kind="reply")
        draft.idempotency_key = key
        session.flush()
    return draft


def send_reply(session: Session, keys: DataKeys, *, case: Case, draft: Draft, sender: Person,
               role: str, language: str, channel: str = "web",
               staff_user_id: int | None = None, desk_visit_id: int | None = None):
    from portal.documents.attachments import attachments_for_draft

    _lock(session, case)
    if draft.submission_id is not None:
        return session.get(Submission, draft.submission_id)  # sent already
    if case.status != S.AWAITING_INFO:
        raise NotNowError
    files = attachments_for_draft(session, case.municipality_id, draft.id)
    text = answers(keys, draft).get("text", "")
    if not text.strip() and not files:
        raise EmptyAnswerError
    request = open_request(case)
    municipality = session.get(Municipality, case.municipality_id)
    payload = envelope(keys, "reply", municipality=municipality, sender=sender, role=role,
                       subject=session.get(Person, case.subject_person_id),
                       language=language, channel=channel)
    payload.update({
        "case_reference": case.reference,
        "in_answer_to": {"requested_at": request.created_at.date().isoformat(),
                         "text": request.data.get("text", "")} if request else None,
        "text": text,
        "attachments": [{"id": f.id, "display_name": f.display_name,
                         "content_type": f.content_type, "size_bytes": f.size_bytes,
                         "sha256": f.sha256} for f in files],
    })
    submission, _new = send(session, keys, case=case, kind="reply", payload=payload,
                            idempotency_key=draft.idempotency_key, sender=sender,
                            language=language, event_type="reply_sent",
                            attachment_ids=[f.id for f in files], channel=channel,
                            staff_user_id=staff_user_id, desk_visit_id=desk_visit_id)
    case.status = S.IN_PROGRESS
    next_deadline.refresh(case, list(case.events))
    draft.submission_id = submission.id
    session.flush()
    return submission


# --- Withdrawing -----------------------------------------------------------------------------


def may_withdraw(case: Case) -> bool:
    """An application, or a complaint, until it is decided."""
    return case.kind in ("ip_application", "complaint") and case.status in WITHDRAWABLE


def withdraw(session: Session, keys: DataKeys, *, case: Case, sender: Person, role: str,
             reason: str, language: str):
    key = _key("withdrawal", case.id)
    _lock(session, case)
    if case.status == S.WITHDRAWN and (sent := find_submission(session, key)) is not None:
        return sent  # a resent confirmation: the same withdrawal
    if not may_withdraw(case):
        raise NotNowError
    municipality = session.get(Municipality, case.municipality_id)
    payload = envelope(keys, "withdrawal", municipality=municipality, sender=sender, role=role,
                       subject=session.get(Person, case.subject_person_id), language=language)
    payload.update({"case_reference": case.reference, "reason": reason})
    submission, _new = send(session, keys, case=case, kind="withdrawal", payload=payload,
                            idempotency_key=key, sender=sender, language=language,
                            event_type="withdrawn")
    case.status = S.WITHDRAWN
    next_deadline.refresh(case, list(case.events))
    session.flush()
    if case.concerns_case_id is not None:
        follow_complaint(session, case, "withdrawn")
    return submission


def _lock(session: Session, case: Case) -> None:
    """Decide on the case's status as it is now: the back office may be changing it."""
    session.execute(sa.select(Case.id).where(Case.id == case.id).with_for_update())
    session.refresh(case)
