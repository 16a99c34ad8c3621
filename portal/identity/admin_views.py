"""Admin pages: create, disable and reset staff accounts of the admin's own municipality.

A new or reset password is shown once: it travels encrypted in the cookie session from the
POST to the page that shows it, which removes it (POST, redirect, GET).
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit.service import record
from portal.db import session
from portal.forms import ConfirmForm
from portal.identity import rules
from portal.identity import staff as accounts
from portal.identity.crypto import data_keys
from portal.identity.models import StaffRole, StaffUser
from portal.identity.staff_forms import ROLE_NAMES, NewStaffForm
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.request_guards import id_arg

blueprint = tenant_blueprint("staff_admin", __name__, "/ansatt/admin")
admin_only = rules.staff(StaffRole.ADMIN)
ONE_TIME_KEY = "one_time_password"


@blueprint.get("/ansatte")
@admin_only
def staff_list():
    members = accounts.list_staff(session(), current_municipality().id)
    return render_template(
        "admin/staff_list.html", members=members, role_names=ROLE_NAMES,
        me=current_user.staff, notice=_notice(members),
    )


@blueprint.route("/ansatte/ny", methods=["GET", "POST"])
@admin_only
def new_staff():
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            staff, password = accounts.create_staff_with_one_time_password(
                session(), municipality_id=current_municipality().id, email=form.email.data,
                name=form.name.data, role=StaffRole(form.role.data),
            )
        except accounts.StaffAccountError as error:
            form.email.errors.append(_email_error(error))
        else:
            _record("staff.created", staff, reason=f"role {staff.role}")
            return _show_one_time_password(staff, password)
    return render_template("admin/new_staff.html", form=form)


@blueprint.route("/ansatte/<int:staff_id>/deaktiver", methods=["GET", "POST"])
@admin_only
def disable(staff_id: int):
    staff = _staff_or_404(staff_id)
    refused = _refuse_own_account(staff)
    if refused:
        return refused
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.set_active(staff, False)
        accounts.end_sessions(session(), staff, "account disabled")
        _record("staff.disabled", staff)
        return redirect(url_for(".staff_list", done="disabled", staff=staff.id))
    return render_template(
        "admin/confirm.html", form=form, staff=staff,
        title=_("Disable the account of %(name)s?", name=staff.name),
        text=_("%(name)s will be logged out and can no longer log in. You can enable the "
               "account again later.", name=staff.name),
        button=_("Disable account"),
    )


@blueprint.post("/ansatte/<int:staff_id>/aktiver")
@admin_only
def enable(staff_id: int):
    staff = _staff_or_404(staff_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    accounts.set_active(staff, True)
    _record("staff.enabled", staff)
    return redirect(url_for(".staff_list", done="enabled", staff=staff.id))


@blueprint.route("/ansatte/<int:staff_id>/nullstill-passord", methods=["GET", "POST"])
@admin_only
def reset_password(staff_id: int):
    staff = _staff_or_404(staff_id)
    refused = _refuse_own_account(staff)
    if refused:
        return refused
    form = ConfirmForm()
    if form.validate_on_submit():
        password = accounts.reset_password(staff)
        accounts.end_sessions(session(), staff, "password reset")
        _record("staff.password_reset", staff)
        return _show_one_time_password(staff, password)
    return render_template(
        "admin/confirm.html", form=form, staff=staff,
        title=_("Reset the password of %(name)s?", name=staff.name),
        text=_("%(name)s will be logged out and get a one-time password, which you give them. "
               "Two-factor authentication is turned off, so that they can set it up again.",
               name=staff.name),
        button=_("Reset password"),
    )


@blueprint.get("/ansatte/<int:staff_id>/engangspassord")
@admin_only
def one_time_password(staff_id: int):
    staff = _staff_or_404(staff_id)
    shown = cookie_session.pop(ONE_TIME_KEY, None)
    password = None
    if shown and shown.get("staff_id") == staff.id:
        password = data_keys().decrypt(shown["password"], _one_time_context(staff))
    return render_template("admin/one_time_password.html", staff=staff, password=password)


def _show_one_time_password(staff: StaffUser, password: str):
    cookie_session[ONE_TIME_KEY] = {
        "staff_id": staff.id,
        "password": data_keys().encrypt(password, _one_time_context(staff)),
    }
    return redirect(url_for(".one_time_password", staff_id=staff.id))


def _one_time_context(staff: StaffUser) -> bytes:
    return f"staff.one_time_password:{staff.id}".encode()


def _email_error(error: accounts.StaffAccountError) -> str:
    if str(error) == accounts.DUPLICATE_EMAIL:
        return _("There is already a staff account with this e-mail address")
    return _("Enter an e-mail address in the right format, like name@example.no")


def _staff_or_404(staff_id: int) -> StaffUser:
    """Staff of another municipality do not exist, as far as this admin can tell."""
    staff = accounts.get_staff(session(), current_municipality().id, staff_id)
    if staff is None:
        abort(404)
    return staff


def _refuse_own_account(staff: StaffUser):
    try:
        accounts.check_not_own_account(staff, current_user.staff)
    except accounts.StaffAccountError:
        return render_template("admin/own_account.html"), 403
    return None


def _notice(members: list[StaffUser]) -> str | None:
    """The message after an action, naming the account it was done to."""
    staff_id = id_arg("staff")
    staff = next((member for member in members if member.id == staff_id), None)
    done = request.args.get("done")
    if staff is None or done not in ("disabled", "enabled"):
        return None
    if done == "disabled":
        return _("%(name)s can no longer log in.", name=staff.name)
    return _("%(name)s can log in again.", name=staff.name)


def _record(action: str, staff: StaffUser, *, reason: str = "") -> None:
    record(session(), action, municipality_id=staff.municipality_id,
           actor_staff_user_id=current_user.staff.id, target=f"staff_user:{staff.id}",
           reason=reason)
