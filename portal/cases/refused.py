"""What a citizen is told when a case page is not for them: every citizen page of a case
(the case page, its receipts, answering, withdrawing, the receipt after sending) asks
``case_or_refusal``, so that one decision (``following.case_access``) lets them in or not.

Someone whose fullmakt has ended, or a parent whose child has turned 16, once saw the case:
they are told why they no longer can and what to do, and nothing about the case itself.
Everyone else gets the same "not found" as for a reference that does not exist.
"""

from __future__ import annotations

from flask import abort, make_response, render_template
from flask_babel import gettext as _

from portal.applications.receipts import contact_line
from portal.cases.following import Access, case_for, ended_access
from portal.cases.models import Case
from portal.db import session
from portal.i18n import current_language
from portal.identity.models import Person
from portal.municipalities.tenancy import current_municipality


def case_or_refusal(person: Person, reference: str) -> tuple[Case, Access]:
    """The case and the person's access to it; else the refusal page (403) or 404."""
    found = case_for(session(), current_municipality().id, person, reference)
    if found is None:
        refuse(person, reference)
    return found


def refuse(person: Person, reference: str):
    municipality = current_municipality()
    reason = ended_access(session(), municipality.id, person, reference)
    if reason is None:
        abort(404)  # the same answer as for a reference that does not exist
    heading = _("Your child has turned 16") if reason == "child_is_16" else _(
        "Your power of attorney has ended")
    page = render_template("cases/access_ended.html", reason=reason, heading=heading,
                           contact=contact_line(municipality, current_language()))
    abort(make_response(page, 403))
