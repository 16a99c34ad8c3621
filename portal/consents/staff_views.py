"""The caseworker's side: record a consent given on a signed paper form or in a meeting.

The consent goes into the person's register with the name of the staff member who recorded
it, shows at once under the person's «Mine samtykker», and is delivered to the back office as
a ``consent`` submission like any other. Who may consent is checked as on the web (a child
under 16 cannot consent alone; from 16 a parent cannot consent for them).
"""

from __future__ import annotations

import secrets

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from portal.cases.service import case_by_reference
from portal.consents import service
from portal.consents.choices import choices_from
from portal.consents.forms import PaperForm
from portal.consents.models import Channel, GivenBy
from portal.consents.texts import current_texts, text_for
from portal.consents.words import REFUSALS
from portal.db import session
from portal.i18n import current_language
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.identity.models import StaffRole
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("consent_records", __name__, "/ansatt/saker")
caseworker = rules.staff(StaffRole.CASEWORKER)  # admins pass too


@blueprint.route("/<reference>/samtykke", methods=["GET", "POST"])
@caseworker
def record(reference: str):
    found = case_by_reference(session(), current_municipality().id, reference)
    if found is None:
        abort(404)
    form = PaperForm()
    if not form.request_id.data:
        form.request_id.data = secrets.token_hex(16)  # a resent POST records it once
    texts = current_texts(current_municipality())
    if form.validate_on_submit():
        giver = service.staff_giver(staff=current_user.staff,
                                    given_by=GivenBy(form.given_by.data),
                                    name=form.given_by_name.data,
                                    channel=Channel(form.channel.data))
        try:
            service.give(
                session(), data_keys(), municipality=current_municipality(),
                subject=found.subject, giver=giver,
                choices=choices_from(plan=bool(form.consent_planning.data),
                                     sharing=form.sharing.data or [],
                                     unit=form.sharing_unit.data or "",
                                     others=form.sharing_other.data or ""),
                text_version=form.consent_version.data or "", language=current_language(),
                request_id=form.request_id.data, information=form.information.data,
                last_day=form.last_day.date())
        except service.ConsentRefusedError as refused:
            field = getattr(form, refused.field, None) or form.consent_planning
            field.errors = [*list(field.errors), str(REFUSALS.get(refused.code, refused.code))]
        else:
            return redirect(url_for("backoffice.case", reference=found.reference,
                                    done="consent_recorded"))
    language = current_language()
    return render_template("consents/record.html", form=form, case=found,
                           consent_version=texts["version"],
                           plan_text=text_for(texts, "plan", language),
                           sharing_text=text_for(texts, "sharing", language))
