"""The status of a case without ID-porten: the reference and the tracking code from the receipt.

For people without BankID or MinID who applied at the service desk or on paper. The page
shows the coarse status and the date of the last change, never answers, messages or names:
the code is only as safe as the paper it is printed on.

Guessing is made useless three ways: the code is random (portal.cases.tracking), the POST is
rate-limited per address, and every failure (no such reference, a wrong code, a case of
another municipality) gives the same page after the same work, so nobody can learn which
references exist.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired

from portal import access
from portal.audit.service import record_read
from portal.cases.citizen_words import status_word
from portal.cases.models import Case
from portal.cases.tracking import case_by_tracking
from portal.db import as_utc, session
from portal.extensions import limiter
from portal.forms import PortalForm
from portal.identity.crypto import data_keys
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("case_status", __name__, "/status")

# One message for every failure, so the page never tells whether a reference exists.
NOT_FOUND = _l("We found no case with this reference and tracking code. Check both on your "
               "receipt and try again.")


class StatusLookupForm(PortalForm):
    reference = StringField(
        _l("Reference"), description=_l("On your receipt, for example IP-2026-7KQ4-M9"),
        validators=[InputRequired(message=_l("Enter the reference from your receipt"))],
    )
    tracking_code = StringField(
        _l("Tracking code"), description=_l("On your receipt, for example K7QM-2XHP-9R"),
        validators=[InputRequired(message=_l("Enter the tracking code from your receipt"))],
    )


def _lookup_limit() -> str:
    return current_app.config["CASE_STATUS_RATE_LIMIT"]


@blueprint.route("", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
@access.public
def lookup():
    form = StatusLookupForm()
    if form.validate_on_submit():
        case = find_case(form.reference.data, form.tracking_code.data)
        if case is not None:
            # Shown in answer to the POST, not after a redirect: the reference and the code
            # must not travel in a URL, and there is nothing to repeat by reloading.
            return render_template("cases/status.html", case=case,
                                   status=status_word(case),
                                   changed_at=as_utc(case.updated_at))
        form.reference.errors.append(NOT_FOUND)
    form.tracking_code.data = ""  # a code is never written back into a page
    return render_template("cases/status_lookup.html", form=form)


def find_case(typed_reference: str, typed_code: str) -> Case | None:
    """The case of this municipality with this reference and code, or None; audited if found."""
    municipality = current_municipality()
    case = case_by_tracking(session(), data_keys(), municipality.id, typed_reference,
                            typed_code)
    if case is None:
        return None
    record_read(session(), "case.status_lookup", municipality_id=municipality.id,
                subject_person_id=case.subject_person_id, target=f"case:{case.reference}",
                reason="reference and tracking code")
    return case
