"""Admins create and revoke their municipality's API clients; a new token is shown once."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask import session as cookie_session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from portal.api.clients import create_client, list_clients, revoke
from portal.audit.service import record
from portal.db import session
from portal.forms import ConfirmForm, MultiCheckboxField, PortalForm
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.identity.models import StaffRole
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("api_admin", __name__, "/ansatt/admin/api-klienter")
admin_only = rules.staff(StaffRole.ADMIN)
NEW_TOKEN = "new_api_token"  # noqa: S105 - a cookie-session key, not a secret


class NewClientForm(PortalForm):
    name = StringField(_l("Name of the system"), description=_l("For example DIPS or Gerica."),
                       validators=[DataRequired(message=_l("Enter a name")), Length(max=120)])
    scopes = MultiCheckboxField(
        _l("What may it do?"),
        choices=[SelectChoice("queue", _l("Take submissions from the queue")),
                 SelectChoice("cases", _l("Read cases and add case events"))],
        validators=[DataRequired(message=_l("Choose at least one"))],
    )


@blueprint.get("/")
@admin_only
def clients():
    encrypted = cookie_session.pop(NEW_TOKEN, None)
    token = data_keys().decrypt(bytes.fromhex(encrypted), _token_context()) if encrypted else None
    return render_template("admin/api_clients.html", form=NewClientForm(), token=token,
                           clients=list_clients(session(), current_municipality().id))


@blueprint.post("/")
@admin_only
def create():
    form = NewClientForm()
    if not form.validate_on_submit():
        return render_template("admin/api_clients.html", form=form, token=None,
                               clients=list_clients(session(), current_municipality().id))
    client, token = create_client(session(), municipality_id=current_municipality().id,
                                  name=form.name.data, scopes=form.scopes.data)
    record(session(), "api_client.created", municipality_id=client.municipality_id,
           actor_staff_user_id=current_user.staff.id, target=f"api_client:{client.id}")
    # POST, redirect, GET: the token travels encrypted in the cookie and is shown once.
    cookie_session[NEW_TOKEN] = data_keys().encrypt(token, _token_context()).hex()
    return redirect(url_for(".clients"))


@blueprint.post("/<int:client_id>/trekk-tilbake")
@admin_only
def revoke_client(client_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not revoke(session(), current_municipality().id, client_id):
        abort(404)
    record(session(), "api_client.revoked", municipality_id=current_municipality().id,
           actor_staff_user_id=current_user.staff.id, target=f"api_client:{client_id}")
    return redirect(url_for(".clients"))


def _token_context() -> bytes:
    """A new token waits in the cookie for one page: bound to this admin in this municipality."""
    return f"api.new_token:{current_municipality().id}:{current_user.staff.id}".encode()
