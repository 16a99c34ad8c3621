"""The undelivered-submission watch, whatever the delivery path (pull API, webhook, Fiks IO):
messages the back office has not acknowledged within ``UNDELIVERED_WORKING_DAYS`` working days,
and dead letters. Admins see them at /<slug>/ansatt/admin/uleverte/ and get them in a daily
e-mail, so that nothing a citizen sent can sit unnoticed.

Working days are Norway's (portal.cases.deadlines: weekends and public holidays off), counted
on Norway's calendar (portal.clock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import clock
from portal.cases.deadlines import is_working_day
from portal.cases.models import Case
from portal.db import get_db
from portal.i18n import in_language
from portal.identity.models import StaffRole, StaffUser
from portal.municipalities.models import Municipality
from portal.notifications.mail import send_mail
from portal.queue.fiksio.accounts import find_account
from portal.queue.models import OutboxMessage, UndeliveredDigest
from portal.queue.service import dead_letters

log = logging.getLogger(__name__)
PATHS = ("pull_api", "webhook", "fiks_io")


@dataclass(frozen=True)
class Overdue:
    message: OutboxMessage
    reference: str


@dataclass(frozen=True)
class Watch:
    path: str
    working_days: int
    overdue: list[Overdue]
    stopped: list[Overdue]

    @property
    def empty(self) -> bool:
        return not self.overdue and not self.stopped


def delivery_path(session: Session, municipality: Municipality) -> str:
    account = find_account(session, municipality.id)
    if account is not None and account.enabled:
        return "fiks_io"
    return "webhook" if municipality.webhook_url else "pull_api"


def cutoff(working_days: int, today: date) -> datetime:
    """A message made before this moment has waited ``working_days`` whole working days."""
    day, counted = today, 0
    while counted < working_days:
        day -= timedelta(days=1)
        counted += is_working_day(day)
    return clock.start_of_day(day)


def watch(session: Session, municipality: Municipality, working_days: int) -> Watch:
    before = cutoff(working_days, clock.today())
    query = (sa.select(OutboxMessage, Case.reference)
             .join(Case, Case.id == OutboxMessage.case_id)
             .where(OutboxMessage.municipality_id == municipality.id,
                    OutboxMessage.acked_at.is_(None), OutboxMessage.dead_lettered_at.is_(None),
                    OutboxMessage.created_at < before)
             .order_by(OutboxMessage.created_at))
    overdue = [Overdue(message, reference) for message, reference in session.execute(query)]
    stopped = [Overdue(m, session.get(Case, m.case_id).reference)
               for m in dead_letters(session, municipality.id)]
    return Watch(delivery_path(session, municipality), working_days, overdue, stopped)


# --- The daily e-mail -------------------------------------------------------------------------

def send_digests(app: Flask) -> int:
    """A worker job: once a Norwegian day, after the digest hour, tell each municipality's
    admins what is undelivered (nothing is sent when all is well)."""
    if clock.utcnow().astimezone(clock.NORWAY).hour < app.config["UNDELIVERED_DIGEST_HOUR"]:
        return 0
    sent = 0
    with app.test_request_context("/", base_url=app.config["PUBLIC_URL"]):
        with get_db(app).session_scope() as session:
            ids = list(session.scalars(sa.select(Municipality.id).order_by(Municipality.id)))
        for municipality_id in ids:
            sent += _digest_for(app, municipality_id)
    return sent


def _digest_for(app: Flask, municipality_id: int) -> int:
    today = clock.today()
    with get_db(app).session_scope() as session:
        municipality = session.get(Municipality, municipality_id)
        found = watch(session, municipality, app.config["UNDELIVERED_WORKING_DAYS"])
        if found.empty:
            return 0
        try:
            with session.begin_nested():  # one e-mail a day, even with several workers
                session.add(UndeliveredDigest(municipality_id=municipality_id, day=today,
                                              messages=len(found.overdue) + len(found.stopped)))
        except IntegrityError:
            return 0
        admins = session.scalars(sa.select(StaffUser.email).where(
            StaffUser.municipality_id == municipality_id, StaffUser.role == StaffRole.ADMIN,
            StaffUser.active.is_(True))).all()
        subject, body = digest_text(municipality, found)
        for address in admins:
            send_mail(address, subject, body)
    log.info("Undelivered digest for %s: %s messages to %s admins", municipality.slug,
             len(found.overdue) + len(found.stopped), len(admins))
    return 1


PATH_NAMES = {"pull_api": _l("the pull API"), "webhook": _l("the webhook"),
              "fiks_io": _l("KS Fiks IO")}


def digest_text(municipality: Municipality, found: Watch) -> tuple[str, str]:
    """In Bokmål: the staff of a Norwegian municipality read it (English source strings)."""
    with in_language("nb"):
        subject = _("Submissions the back office has not received: %(count)s",
                    count=len(found.overdue) + len(found.stopped))
        lines = [_("%(municipality)s delivers to the back office by %(path)s.",
                   municipality=municipality.name, path=str(PATH_NAMES[found.path])), ""]
        if found.overdue:
            lines.append(_("Not received within %(days)s working days:", days=found.working_days))
            lines += [_("- %(reference)s (%(type)s), sent %(sent)s, %(tries)s attempts",
                        reference=o.reference, type=o.message.type,
                        sent=clock.norway_date(o.message.created_at).isoformat(),
                        tries=o.message.deliveries) for o in found.overdue]
            lines.append("")
        if found.stopped:
            lines.append(_("Stopped after too many attempts (dead letters):"))
            lines += [_("- %(reference)s (%(type)s): %(error)s", reference=o.reference,
                        type=o.message.type, error=o.message.last_error) for o in found.stopped]
            lines.append("")
        lines.append(_("See them and send them again: %(link)s", link=url_for(
            "undelivered.overview", municipality_slug=municipality.slug, _external=True)))
    return subject, "\n".join(lines)
