"""The receipt of a desk submission by e-mail or SMS, to the address the person gave.

Someone without BankID or MinID cannot log in to read a receipt, so this message carries
what they need to follow the case on the status page: the reference and the tracking code
(together they show the coarse status only, nothing else), and the page's address. No
health details, no identity number, no name.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.cases.models import Case, Submission
from portal.cases.tracking import tracking_code
from portal.i18n import in_language
from portal.identity.crypto import data_keys
from portal.identity.models import Person
from portal.municipalities.models import Municipality
from portal.notifications.mail import send_mail
from portal.notifications.sms import send_sms
from portal.queue.tasks import register_handler

TASK = "desk_receipt"


def send_desk_receipt(session: Session, task: dict) -> None:
    """Task ``desk_receipt``: one message, by ``task["by"]`` (``email`` or ``sms``)."""
    submission = session.get(Submission, task["submission_id"])
    person = session.get(Person, submission.submitted_by_person_id)
    address = person.email if task["by"] == "email" else person.phone
    if not address:
        return
    case = session.get(Case, submission.case_id)
    municipality = session.get(Municipality, submission.municipality_id)
    language = person.preferred_language or submission.language
    with in_language(language):
        text = _("%(municipality)s has received what you sent at the service desk. Reference: "
                 "%(reference)s. Tracking code: %(code)s. See the status at %(url)s",
                 municipality=municipality.name, reference=case.reference,
                 code=tracking_code(data_keys(), case) or "",
                 url=url_for("case_status.lookup", municipality_slug=municipality.slug,
                             _external=True))
        subject = _("Receipt %(reference)s from %(municipality)s", reference=case.reference,
                    municipality=municipality.name)
    if task["by"] == "email":
        send_mail(address, subject, text)
    else:
        send_sms(address, text)


def register() -> None:
    """The desk's worker task (called by create_app)."""
    register_handler(TASK, send_desk_receipt)
