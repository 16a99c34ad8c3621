"""'Mine saker': the citizen's cases, and each case's status and timeline in plain words."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template
from flask_babel import format_date
from flask_login import current_user

from portal.applications.steps import KIND_TITLES
from portal.cases.citizen_words import STATUS_WORDS, describe
from portal.cases.following import case_for, cases_of, expects_something, latest, overdue
from portal.db import session
from portal.identity import rules
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("my_cases", __name__, "/saker")


def _date(value: str) -> str:
    return format_date(date.fromisoformat(value), "long")


@blueprint.get("/")
@rules.citizen
def index():
    cases = cases_of(session(), current_municipality().id, current_user.person)
    return render_template("cases/index.html", cases=cases, status_words=STATUS_WORDS,
                           titles=KIND_TITLES, expects_something=expects_something)


@blueprint.get("/<reference>")
@rules.citizen
def case(reference: str):
    found = case_for(session(), current_municipality().id, current_user.person, reference)
    if found is None:
        abort(404)
    timeline = [(event, *describe(event, _date)) for event in reversed(found.events)]
    return render_template(
        "cases/case.html", case=found, status_words=STATUS_WORDS, title=KIND_TITLES.get(
            found.kind, found.kind), timeline=timeline, waiting=overdue(found),
        coordinator=latest(found, "coordinator_assigned"), decision=latest(found, "decision"),
        info_request=latest(found, "information_requested") if expects_something(found) else None,
    )
