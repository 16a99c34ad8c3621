"""Telling people that there is news: an e-mail and an SMS, never what the news is.

A case event the person should see enqueues a ``case_news`` task (portal.cases.service); a
checked representation enqueues ``representation_news``; an application a parent sent for a
16- or 17-year-old enqueues ``consent_request`` (the young person is asked for their own
consent, portal.consents.service). Each of these fans out into one
``notify`` task per recipient and channel, and each ``notify`` task sends exactly one
message. So when one message fails, the worker retries that message alone, and nobody gets
the others twice.

E-mail and SMS are not secure channels: a message says only that there is news at the
municipality, and links to the page where the person logs in to read it. It never holds
health details, the identity number, a name, a service or what the event says.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.i18n import in_language
from portal.identity.models import Person
from portal.links import public_url_for
from portal.municipalities.models import Municipality
from portal.notifications.mail import send_mail
from portal.notifications.sms import send_sms
from portal.queue.tasks import enqueue
from portal.representation.models import Representation, Scope
from portal.representation.rules import representatives_of

CASE_NEWS = "case_news"
REPRESENTATION_NEWS = "representation_news"
CONSENT_REQUEST = "consent_request"
CHANNELS = ("email", "sms")
DEFAULT_LANGUAGE = "nb"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str  # the e-mail
    sms: str


def _link(endpoint: str, **values) -> str:
    """An absolute link to a portal page (the worker runs with the public address)."""
    return public_url_for(endpoint, **values)


# The fan-out tasks.


def send_case_news(session: Session, task: dict) -> None:
    """Task ``case_news``: one ``notify`` task per person following the case and channel."""
    case = session.get(Case, task["case_id"])
    if case is None:
        return
    for person in case_recipients(session, case):
        _fan_out(session, person, case.municipality_id, template=CASE_NEWS, case_id=case.id)


def send_representation_news(session: Session, task: dict) -> None:
    """Task ``representation_news``: the representative hears that it has been checked."""
    representation = session.get(Representation, task["representation_id"])
    if representation is None:
        return
    _fan_out(session, representation.representative, representation.municipality_id,
             template=REPRESENTATION_NEWS, representation_id=representation.id)


def send_consent_request(session: Session, task: dict) -> None:
    """Task ``consent_request``: the person a case is about is asked for their consent."""
    case = session.get(Case, task["case_id"])
    person = session.get(Person, task["person_id"])
    if case is None or person is None or case.subject_person_id != person.id:
        return
    _fan_out(session, person, case.municipality_id, template=CONSENT_REQUEST, case_id=case.id)


def case_recipients(session: Session, case: Case) -> list[Person]:
    """The person the case is about, and everyone who may follow it for them now."""
    people = {case.subject_person_id: session.get(Person, case.subject_person_id)}
    for person in representatives_of(session, case.subject_person_id, case.municipality_id,
                                     Scope.FOLLOW):
        people.setdefault(person.id, person)
    return [person for person in people.values() if person is not None]


def _fan_out(session: Session, person: Person, municipality_id: int, **payload) -> None:
    addresses = {"email": person.email, "sms": person.phone}
    for channel in CHANNELS:
        if addresses[channel]:
            enqueue(session, "notify", municipality_id, person_id=person.id, channel=channel,
                    **payload)


# Sending one message.


def send_notification(session: Session, task: dict) -> None:
    """Task ``notify``: one message to one person on one channel."""
    person = session.get(Person, task["person_id"])
    if person is None:
        return
    message = _compose(session, task, person)
    if message is None:
        return  # no longer theirs to hear about (e.g. the representation was revoked)
    if task["channel"] == "email" and person.email:
        send_mail(person.email, message.subject, message.body)
    elif task["channel"] == "sms" and person.phone:
        send_sms(person.phone, message.sms)


def _compose(session: Session, task: dict, person: Person) -> Message | None:
    language = person.preferred_language or DEFAULT_LANGUAGE
    if task["template"] == CASE_NEWS:
        case = session.get(Case, task["case_id"])
        if case is None or person.id not in {p.id for p in case_recipients(session, case)}:
            return None
        municipality = session.get(Municipality, case.municipality_id)
        link = _link("my_cases.case", municipality_slug=municipality.slug,
                     reference=case.reference)
        return case_news_message(language, municipality.name, link)
    if task["template"] == REPRESENTATION_NEWS:
        representation = session.get(Representation, task["representation_id"])
        if representation is None or representation.representative_person_id != person.id:
            return None
        municipality = session.get(Municipality, representation.municipality_id)
        link = _link("representation.index", municipality_slug=municipality.slug)
        return representation_news_message(language, municipality.name, link)
    if task["template"] == CONSENT_REQUEST:
        case = session.get(Case, task["case_id"])
        if case is None or case.subject_person_id != person.id:
            return None
        municipality = session.get(Municipality, case.municipality_id)
        link = _link("consents.index", municipality_slug=municipality.slug)
        return consent_request_message(language, municipality.name, link)
    raise ValueError(f"unknown notification template {task['template']!r}")


def case_news_message(language: str, municipality_name: str, link: str) -> Message:
    with in_language(language):
        news = _("There is news in a case you follow at %(municipality)s.",
                 municipality=municipality_name)
        return Message(
            subject=_("News in a case at %(municipality)s", municipality=municipality_name),
            body=_body(news, _("Log in to read it:"), link),
            sms=_("%(news)s Log in to read it: %(link)s", news=news, link=link),
        )


def representation_news_message(language: str, municipality_name: str, link: str) -> Message:
    with in_language(language):
        news = _("%(municipality)s has checked the document that lets you act for someone "
                 "else.", municipality=municipality_name)
        return Message(
            subject=_("%(municipality)s has checked your power of attorney",
                      municipality=municipality_name),
            body=_body(news, _("Log in to see the result:"), link),
            sms=_("%(news)s Log in to see the result: %(link)s", news=news, link=link),
        )


def consent_request_message(language: str, municipality_name: str, link: str) -> Message:
    with in_language(language):
        news = _("%(municipality)s asks for your consent.", municipality=municipality_name)
        return Message(
            subject=_("%(municipality)s asks for your consent", municipality=municipality_name),
            body=_body(news, _("Log in to answer:"), link),
            sms=_("%(news)s Log in to answer: %(link)s", news=news, link=link),
        )


def _body(news: str, call: str, link: str) -> str:
    closing = _("This message was sent automatically. Please do not reply to it.")
    return f"{news}\n\n{call}\n{link}\n\n{closing}\n"
