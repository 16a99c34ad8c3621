"""Giving, changing and withdrawing consents: plain functions over a session.

Every function takes the person the consent is about (``subject``) and a :class:`Giver`: who
gives it (the person, a parent, a representative with the consent scope), through which
channel (``web``; ``desk`` for a person present at the service desk; ``paper`` or
``meeting`` when staff record it), and the staff member and desk visit when there is one. The
web pages, the caseworker pages and (later) the service desk call the same functions.

A change is effective at once: the register row changes in the same transaction as the
``consent`` submission that tells the back office (``portal.consents.delivery``), which goes
through the one outbox, exactly once (the idempotency key decides a resent POST).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import clock
from portal.audit.service import record
from portal.cases.models import Submission
from portal.clock import utcnow
from portal.consents import texts as words
from portal.consents.choices import Choice
from portal.consents.delivery import deliver, lock_person
from portal.consents.models import Channel, Consent, ConsentStatus, GivenBy
from portal.consents.rules import AGE_OF_CONSENT, age_of, shown_status
from portal.identity.crypto import DataKeys
from portal.identity.models import Person, StaffUser
from portal.municipalities.models import Municipality
from portal.queue.tasks import enqueue
from portal.representation.models import Basis, Representation, Scope, Status
from portal.representation.rules import decide


class ConsentRefusedError(ValueError):
    """A rule stops this consent; ``code`` says which, ``field`` where to show it."""

    def __init__(self, code: str, field: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Giver:
    """Who gives (or withdraws) a consent, and how."""

    given_by: GivenBy
    person: Person | None  # logged in, or present at the desk; None: known by name only
    name: str
    channel: Channel = Channel.WEB
    staff: StaffUser | None = None
    desk_visit_id: str = ""
    representation_id: int | None = None
    desk_visit_row_id: int | None = None  # the visit's row, recorded on the submission


def _key(*parts: object) -> str:
    return hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()


def find_submission(session: Session, idempotency_key: str) -> Submission | None:
    """The submission a change with this key was delivered in, if it was."""
    return session.scalar(sa.select(Submission).where(
        Submission.idempotency_key == idempotency_key))


# --- Who may give it ---------------------------------------------------------------------------


def giver_for(session: Session, *, actor: Person, subject: Person, municipality_id: int,
              channel: Channel = Channel.WEB, staff: StaffUser | None = None,
              desk_visit_id: str = "", desk_visit_row_id: int | None = None) -> Giver:
    """The actor as giver of the subject's consents, if ``decide`` lets them (scope consent)."""
    details = {"channel": channel, "staff": staff, "desk_visit_id": desk_visit_id,
               "desk_visit_row_id": desk_visit_row_id}
    if actor.id == subject.id:
        return Giver(GivenBy.PERSON, actor, actor.name, **details)
    decision = decide(session, actor=actor, principal_id=subject.id, scope=Scope.CONSENT,
                      municipality_id=municipality_id)
    if not decision:
        raise ConsentRefusedError("not_allowed")
    given_by = GivenBy.PARENT if decision.representation.basis == Basis.PARENT \
        else GivenBy.REPRESENTATIVE
    return Giver(given_by, actor, actor.name, representation_id=decision.representation.id,
                 **details)


def staff_giver(*, staff: StaffUser, given_by: GivenBy, name: str, channel: Channel) -> Giver:
    """A consent given on paper or in a meeting, recorded by a staff member."""
    return Giver(given_by, None, name.strip(), channel, staff)


def check_giver(subject: Person, giver: Giver) -> None:
    """Pasient- og brukerrettighetsloven §§ 4-3 and 4-4: from 16 the person consents (or a
    representative), under 16 a parent (or a guardian); never a child alone."""
    age = age_of(subject)
    if age is None:
        return
    if age < AGE_OF_CONSENT and giver.given_by == GivenBy.PERSON:
        raise ConsentRefusedError("child_under_16", "given_by")
    if age >= AGE_OF_CONSENT and giver.given_by == GivenBy.PARENT:
        raise ConsentRefusedError("young_person_decides", "given_by")


def _active_for(session: Session, municipality_id: int, subject_id: int,
                choices: Sequence[Choice]) -> list[Consent]:
    """The subject's active consents for the purposes among ``choices``, in one query."""
    return list(session.scalars(sa.select(Consent).where(
        Consent.municipality_id == municipality_id, Consent.subject_person_id == subject_id,
        Consent.status == ConsentStatus.ACTIVE,
        Consent.purpose.in_(sorted({choice.purpose for choice in choices})))))


def _replace_same(session: Session, active: list[Consent], row: Consent, choice: Choice,
                  giver: Giver) -> bool:
    """The consent in ``active`` that holds for the same purpose and service as ``choice``
    ends, replaced by ``row``, which joins ``active`` (a choice given twice in one go: the
    later one holds). Whether one was replaced."""
    same = [old for old in active if old.status == ConsentStatus.ACTIVE
            and old.purpose == choice.purpose and old.recipient == choice.recipient
            and (choice.recipient not in words.NAMED
                 or old.recipient_name.casefold() == choice.recipient_name.casefold())]
    active.append(row)
    if not same:
        return False
    old = same[-1]
    if old.id is None:
        session.flush()
    _end(old, ConsentStatus.REPLACED, giver)
    row.replaces_id = old.id
    return True


# --- Giving, changing, withdrawing ------------------------------------------------------------


def give(session: Session, keys: DataKeys, *, municipality: Municipality, subject: Person,
         giver: Giver, choices: Sequence[Choice], text_version: str, language: str,
         request_id: str, information: str = "", last_day: date | None = None) -> Submission:
    """Give consents (one per choice); one that holds already for the same purpose and
    service is replaced by the new one. One ``consent`` submission: given, or changed."""
    key = _key("given", municipality.id, subject.id, request_id)
    if (again := find_submission(session, key)) is not None:
        return again  # a resent confirmation: the same consents
    if not choices:
        raise ConsentRefusedError("nothing_chosen", "sharing")
    check_giver(subject, giver)
    texts = _texts(municipality, text_version)
    valid_to = _valid_to(last_day)
    lock_person(session, subject)
    rows, replaced = [], 0
    active = _active_for(session, municipality.id, subject.id, choices)
    for choice in choices:
        row = _new_consent(municipality, subject, giver, choice, texts, language,
                           information, valid_to)
        replaced += _replace_same(session, active, row, choice, giver)
        session.add(row)
        rows.append(row)
    action = "changed" if replaced else "given"
    return _deliver(session, keys, municipality, subject, giver, action, rows, language, key)


def change(session: Session, keys: DataKeys, consent: Consent, *, giver: Giver,
           information: str, last_day: date | None, text_version: str, language: str,
           request_id: str) -> Submission:
    """A new version of one consent (what information, the last day): the old one is
    replaced, at once."""
    key = _key("changed", consent.id, request_id)
    if (again := find_submission(session, key)) is not None:
        return again
    municipality = session.get(Municipality, consent.municipality_id)
    subject = consent.subject
    check_giver(subject, giver)
    texts = _texts(municipality, text_version)
    valid_to = _valid_to(last_day)
    lock_person(session, subject)
    session.refresh(consent)
    if shown_status(consent) != ConsentStatus.ACTIVE:
        raise ConsentRefusedError("not_active")
    row = _new_consent(municipality, subject, giver,
                       Choice(consent.purpose, consent.recipient, consent.recipient_name),
                       texts, language, information, valid_to)
    row.replaces_id = consent.id
    _end(consent, ConsentStatus.REPLACED, giver)
    session.add(row)
    return _deliver(session, keys, municipality, subject, giver, "changed", [row], language,
                    key)


def withdraw(session: Session, keys: DataKeys, consent: Consent, *, giver: Giver,
             language: str) -> Submission:
    """Withdraw a consent: it ends at once, and the back office is told."""
    key = _key("withdrawn", consent.id)
    if (again := find_submission(session, key)) is not None:
        return again  # a resent confirmation: the same withdrawal
    municipality = session.get(Municipality, consent.municipality_id)
    lock_person(session, consent.subject)
    session.refresh(consent)
    if shown_status(consent) != ConsentStatus.ACTIVE:
        raise ConsentRefusedError("not_active")
    _end(consent, ConsentStatus.WITHDRAWN, giver)
    return _deliver(session, keys, municipality, consent.subject, giver, "withdrawn",
                    [consent], language, key)


def _texts(municipality: Municipality, version: str) -> dict:
    texts = words.texts_of_version(municipality, version)
    if texts is None:
        raise ConsentRefusedError("text_changed")
    return texts


def _valid_to(last_day: date | None):
    if last_day is None:
        return None
    if last_day < clock.today():
        raise ConsentRefusedError("ends_in_past", "last_day")
    return clock.end_of_day(last_day)


def _new_consent(municipality, subject, giver: Giver, choice: Choice, texts: dict,
                 language: str, information: str, valid_to) -> Consent:
    return Consent(
        municipality_id=municipality.id, subject_person_id=subject.id, subject=subject,
        purpose=choice.purpose, recipient=choice.recipient,
        recipient_name=choice.recipient_name, information=(information or "").strip(),
        given_by=giver.given_by, given_by_person_id=giver.person.id if giver.person else None,
        given_by_name=giver.name, representation_id=giver.representation_id,
        channel=giver.channel, recorded_by_staff_user_id=giver.staff.id if giver.staff else None,
        desk_visit_id=giver.desk_visit_id, given_at=utcnow(), valid_to=valid_to,
        text_version=texts["version"], text=words.text_for(texts, choice.purpose, language),
        language=language, status=ConsentStatus.ACTIVE)


def _end(consent: Consent, status: ConsentStatus, giver: Giver) -> None:
    consent.status = status
    consent.ended_at = utcnow()
    consent.ended_by_person_id = giver.person.id if giver.person else None
    consent.ended_by_staff_user_id = giver.staff.id if giver.staff else None


def _deliver(session, keys, municipality, subject, giver: Giver, action: str, rows, language,
             key) -> Submission:
    session.flush()
    submission = deliver(session, keys, municipality=municipality, subject=subject,
                         sender=giver.person or subject, action=action, changed=rows,
                         language=language, idempotency_key=key, staff=giver.staff,
                         desk_visit_id=giver.desk_visit_row_id)
    for row in rows:
        record(session, f"consent.{action}", municipality_id=municipality.id,
               actor_person_id=giver.person.id if giver.person else None,
               actor_staff_user_id=giver.staff.id if giver.staff else None,
               subject_person_id=subject.id, target=f"consent:{row.id}",
               reason=str(giver.channel))
    return submission


# --- Consents that come with an application ------------------------------------------------


APPLICATION_GIVERS = {"self": GivenBy.PERSON, "parent": GivenBy.PARENT,
                      "representative": GivenBy.REPRESENTATIVE}


def from_application(session: Session, *, municipality: Municipality, applicant: Person,
                     subject: Person, mode: str, choices: Sequence[Choice], text_version: str,
                     language: str, submission: Submission, case_id: int) -> list[Consent]:
    """Record the consents given on the application's consent step, in its transaction.

    The application itself tells the back office (its payload's ``consent``), so no consent
    submission is sent. A parent applying for a 16- or 17-year-old cannot consent for them:
    the young person is asked instead (a task on «Mine saker» and a notification). A child
    under 16 applying alone cannot consent: nothing is recorded, and the case shows that a
    parent must consent.
    """
    if mode == "young_person":
        enqueue(session, "consent_request", municipality.id, person_id=subject.id,
                case_id=case_id)
        return []
    given_by = APPLICATION_GIVERS.get(mode)
    if given_by is None or not choices:
        return []
    representation = None if given_by == GivenBy.PERSON else _application_representation(
        session, municipality.id, applicant, subject)
    giver = Giver(given_by, applicant, applicant.name,
                  representation_id=representation.id if representation else None)
    texts = _texts(municipality, text_version)
    rows = []
    active = _active_for(session, municipality.id, subject.id, choices)
    for choice in choices:
        row = _new_consent(municipality, subject, giver, choice, texts, language, "", None)
        _replace_same(session, active, row, choice, giver)  # a second application: it holds
        row.submission_id = submission.id
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _application_representation(session: Session, municipality_id: int, applicant: Person,
                                 subject: Person) -> Representation | None:
    """The representation the application rests on (made or found as it was sent)."""
    return session.scalar(sa.select(Representation).where(
        Representation.municipality_id == municipality_id,
        Representation.principal_person_id == subject.id,
        Representation.representative_person_id == applicant.id,
        Representation.status != Status.REJECTED).order_by(Representation.id.desc()))
