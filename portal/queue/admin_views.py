"""Admins see the worker's parked tasks (work that failed again and again) and can retry them."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from portal.audit.service import record
from portal.db import session
from portal.forms import ConfirmForm
from portal.identity import rules
from portal.identity.models import StaffRole
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.queue.tasks import parked_tasks, retry_parked

blueprint = tenant_blueprint("queue_admin", __name__, "/ansatt/admin/oppgaver")


@blueprint.get("/")
@rules.staff(StaffRole.ADMIN)
def parked():
    return render_template("admin/parked_tasks.html",
                           tasks=parked_tasks(session(), current_municipality().id))


@blueprint.post("/<int:task_id>/prov-igjen")
@rules.staff(StaffRole.ADMIN)
def retry(task_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not retry_parked(session(), current_municipality().id, task_id):
        abort(404)
    record(session(), "task.retried", municipality_id=current_municipality().id,
           actor_staff_user_id=current_user.staff.id, target=f"task:{task_id}")
    return redirect(url_for(".parked"))
