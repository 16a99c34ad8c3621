"""The desk's own pages: today's visits, starting a visit, looking up a case.

Everything done inside a visit is under ``portal.desk.visit_views``.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from portal.applications.steps import KIND_TITLES
from portal.cases.citizen_words import status_word
from portal.db import session
from portal.desk import service
from portal.desk.forms import ID_CHECKS, LookupByCodeForm, LookupByNinForm, StartVisitForm
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.identity.models import StaffRole
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("desk", __name__, "/ansatt/skranke")
desk_staff = rules.staff(StaffRole.DESK)  # admins pass too; caseworkers do not


@blueprint.get("/")
@desk_staff
def index():
    visits = service.visits_today(session(), current_municipality().id, current_user.staff)
    return render_template("desk/index.html", visits=visits, id_checks=ID_CHECKS,
                           is_open=lambda visit: service.is_open(visit, current_user.row))


@blueprint.route("/ny", methods=["GET", "POST"])
@desk_staff
def start():
    form = StartVisitForm()
    if form.validate_on_submit():
        visit = service.start_visit(
            session(), data_keys(), municipality_id=current_municipality().id,
            staff=current_user.staff, user_session=current_user.row, nin=form.nin.nin,
            name=form.name.data.strip(), id_check=form.id_check.data,
            id_document_digits=form.id_document_digits.data or "",
            language=form.language.data)
        return redirect(url_for("desk_visit.visit", visit_id=visit.public_id))
    form.nin.data = form.nin.data if form.errors else ""  # kept only to correct it
    return render_template("desk/start.html", form=form)


@blueprint.route("/oppslag", methods=["GET", "POST"])
@desk_staff
def lookup():
    """Reference and tracking code, or (with a recorded reason) identity number: the coarse
    status of each case, nothing more. Answered to the POST: nothing travels in a URL."""
    by_code, by_nin = LookupByCodeForm(prefix="code"), LookupByNinForm(prefix="nin")
    found, searched = None, False
    municipality_id = current_municipality().id
    action = request.form.get("action")
    if action == "code" and by_code.validate_on_submit():
        searched = True
        case = service.look_up_by_tracking(
            session(), data_keys(), municipality_id=municipality_id, staff=current_user.staff,
            reference=by_code.reference.data, code=by_code.tracking_code.data)
        found = [case] if case else []
    elif action == "nin" and by_nin.validate_on_submit():
        searched = True
        found = service.look_up_by_nin(
            session(), data_keys(), municipality_id=municipality_id, staff=current_user.staff,
            nin=by_nin.nin.nin, reason=by_nin.reason.data.strip())
    by_code.tracking_code.data = ""  # a code is never written back into a page
    by_nin.nin.data = by_nin.nin.data if by_nin.errors else ""
    return render_template("desk/lookup.html", by_code=by_code, by_nin=by_nin, found=found,
                           searched=searched, titles=KIND_TITLES, status_word=status_word)
