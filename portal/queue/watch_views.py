"""Admins see what the back office has not received in time, whatever the delivery path."""

from __future__ import annotations

from flask import current_app, render_template

from portal.db import session
from portal.identity import rules
from portal.identity.models import StaffRole
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.queue.error_words import error_in_words
from portal.queue.watch import watch

blueprint = tenant_blueprint("undelivered", __name__, "/ansatt/admin/uleverte")


@blueprint.get("/")
@rules.staff(StaffRole.ADMIN)
def overview():
    found = watch(session(), current_municipality(),
                  current_app.config["UNDELIVERED_WORKING_DAYS"])
    return render_template("admin/undelivered.html", watch=found,
                           error_in_words=error_in_words)
