"""Admins see the back-office queue's dead letters and can put them back in the queue.

A message is dead-lettered when the back office took it again and again without
acknowledging it (see ``portal.queue.service``). Someone must find out why, fix it, and then
send it again; the back office sees it as new, with a fresh count of deliveries.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from portal.audit.service import record
from portal.cases.models import Case
from portal.db import session
from portal.forms import ConfirmForm
from portal.identity import rules
from portal.identity.models import StaffRole
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.queue.error_words import error_in_words
from portal.queue.service import dead_letters, find_message, requeue

blueprint = tenant_blueprint("dead_letters", __name__, "/ansatt/admin/meldinger-som-stoppet")


@blueprint.get("/")
@rules.staff(StaffRole.ADMIN)
def messages():
    stopped = dead_letters(session(), current_municipality().id)
    references = {m.case_id: session().get(Case, m.case_id).reference for m in stopped}
    return render_template("backoffice/dead_letters.html", messages=stopped,
                           references=references, requeued=request.args.get("sendt"),
                           error_in_words=error_in_words)


@blueprint.post("/<message_id>/send-igjen")
@rules.staff(StaffRole.ADMIN)
def send_again(message_id: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    message = find_message(session(), current_municipality().id, message_id)
    if message is None or message.dead_lettered_at is None or message.acked_at is not None:
        abort(404)
    requeue(session(), message)
    case = session().get(Case, message.case_id)
    record(session(), "queue.requeued", municipality_id=case.municipality_id,
           actor_staff_user_id=current_user.staff.id, subject_person_id=case.subject_person_id,
           target=f"case:{case.reference}", reason=f"message {message.id}")
    return redirect(url_for(".messages", sendt=case.reference))
