"""The caseworker's list of cases, search, taking and giving cases, and bulk actions.

Routes on the caseworker blueprint (``portal.backoffice.views``). The list's URL carries
filters, a sort and the id of the last case shown; nothing that identifies a person. Searching
is a POST (an identity number never goes into a URL) and every search is audit-logged with what
was searched (for an identity number: that one was searched, and whom it found).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.applications.steps import KIND_TITLES
from portal.audit.service import record_read
from portal.backoffice import queries, worklist
from portal.backoffice.views import blueprint, caseworker, days_waited
from portal.backoffice.words import DEADLINE_NAMES, STATUS_NAMES
from portal.backoffice.work_forms import SearchForm
from portal.cases import assignment
from portal.cases.models import Case, CaseStatus
from portal.cases.service import TransitionRefusedError, apply_event, case_by_reference
from portal.clock import today, utcnow
from portal.db import session
from portal.forms import ConfirmForm
from portal.identity.crypto import data_keys
from portal.identity.persons import find_person, person_nin
from portal.municipalities.tenancy import current_municipality
from portal.request_guards import id_arg

CHANNELS = {"web": "Web", "desk": "Desk"}
MAX_BULK = worklist.PAGE_SIZE


@blueprint.get("/")
@caseworker
def queue():
    filters = _filters()
    municipality_id, me = current_municipality().id, current_user.staff.id
    now = utcnow()
    cases = worklist.page(session(), municipality_id, filters, staff_id=me, now=now,
                          limit=worklist.PAGE_SIZE)
    return render_template(
        "backoffice/queue.html", **_table_context(cases), filters=filters,
        views=worklist.VIEWS, counts=worklist.view_counts(session(), municipality_id,
                                                          staff_id=me, now=now),
        total=worklist.count(session(), municipality_id, filters, staff_id=me, now=now),
        page_size=worklist.PAGE_SIZE, search=SearchForm(formdata=None),
        staff=assignment.colleagues(session(), municipality_id), nobody=worklist.NOBODY)


@blueprint.get("/over-en-maaned")
@caseworker
def overdue():
    cases = queries.waiting_over_a_month(session(), current_municipality().id, utcnow())
    return render_template("backoffice/overdue.html", **_table_context(cases))


@blueprint.post("/sok")
@caseworker
def search():
    form = SearchForm()
    cases = None
    if form.validate_on_submit():
        cases = _search(form)
    return render_template("backoffice/search.html", search=form, searched=cases is not None,
                           **_table_context(cases or []))


def _search(form: SearchForm):
    municipality_id = current_municipality().id
    text = form.query.data.strip()
    found_person = None
    if form.search_by.data == "reference":
        cases, what = worklist.by_reference(session(), municipality_id, text), \
            f"reference {text.upper()}"
    elif form.search_by.data == "name":
        cases, what = worklist.by_name(session(), municipality_id, text), f"name {text!r}"
    else:  # through the keyed hash, never a comparison of clear text
        found_person = find_person(session(), data_keys(), form.query.nin)
        cases = worklist.by_person(session(), municipality_id,
                                   [found_person.id] if found_person else [])
        what = "identity number"
    record_read(session(), "case.search", municipality_id=municipality_id,
                actor_staff_user_id=current_user.staff.id,
                subject_person_id=found_person.id if found_person else None,
                target="cases", reason=f"{what}: {len(cases)} found")
    return cases


@blueprint.post("/<reference>/tildeling")
@caseworker
def assign(reference: str):
    """Take the case, give it to a colleague, or release it (the ``assignee`` field:
    ``me``, a staff id, or empty to release)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = case_by_reference(session(), current_municipality().id, reference)
    if found is None:
        abort(404)
    assignee = _assignee(request.form.get("assignee", ""))
    assignment.assign(session(), found, assignee, actor=current_user.staff)
    flash(_assigned_message(assignee, [found]))
    return redirect(url_for(".case", reference=found.reference))


@blueprint.post("/flere")
@caseworker
def bulk():
    """Several cases at once: the first POST shows what will happen, the second does it."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    action = request.form.get("action", "")
    if action not in ("received", "assign"):
        abort(400)
    ids = [_case_id(value) for value in request.form.getlist("case")]
    if len(ids) > MAX_BULK:
        abort(400)
    back = url_for(".queue", **_back_arguments())
    cases = worklist.of_ids(session(), current_municipality().id, ids)
    if not cases:
        flash(_("Choose at least one case in the list."), "warning")
        return redirect(back)
    assignee = _assignee(request.form.get("assignee", "me")) if action == "assign" else None
    if request.form.get("confirmed") != "1":
        return render_template("backoffice/bulk_confirm.html", action=action, cases=cases,
                               assignee=assignee, back=back,
                               back_arguments=_back_arguments(),
                               assignee_value=request.form.get("assignee", "me"))
    if action == "received":
        flash(_mark_received(cases))
    else:
        for found in cases:
            assignment.assign(session(), found, assignee, actor=current_user.staff)
        flash(_assigned_message(assignee, cases))
    return redirect(back)


# --- helpers ---------------------------------------------------------------------------------

def _filters() -> worklist.Filters:
    """The list's filters from the URL; a value that is no choice is ignored."""
    args = request.args
    view = args.get("visning", worklist.DEFAULT_VIEW)
    sort = args.get("sorter", worklist.DEFAULT_SORT)
    descending = sort.startswith("-")
    sort = sort.removeprefix("-")
    status = args.get("status", "")
    assignee = args.get("tildelt", "")
    return worklist.Filters(
        view=view if view in worklist.VIEWS else worklist.DEFAULT_VIEW,
        status=CaseStatus(status) if status in CaseStatus._value2member_map_ else None,
        kind=args.get("type") if args.get("type") in KIND_TITLES else None,
        assignee=(worklist.NOBODY if assignee == worklist.NOBODY
                  else id_arg("tildelt") if assignee else None),
        channel=args.get("kanal") if args.get("kanal") in CHANNELS else None,
        sort=sort if sort in worklist.SORTS else worklist.DEFAULT_SORT,
        descending=descending, after_id=id_arg("etter"))


def _back_arguments() -> dict:
    """The list the bulk form was sent from (its filters travel as hidden fields)."""
    names = ("visning", "status", "type", "tildelt", "kanal", "sorter")
    return {name: request.form[name][:40] for name in names if request.form.get(name)}


def _table_context(cases) -> dict:
    keys = data_keys()
    masked = {}
    for found in cases:
        nin = person_nin(keys, found.subject).value if found.subject.nin_encrypted else ""
        masked[found.id] = f"{nin[:6]}*****" if nin else ""
    return {"cases": cases, "masked_nin": masked, "status_names": STATUS_NAMES,
            "kind_titles": KIND_TITLES, "deadline_names": DEADLINE_NAMES,
            "days_waited": days_waited, "today": today(), "channels": CHANNELS}


def _case_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        abort(400)
    return int(value)


def _assignee(value: str):
    if value == "me":
        return current_user.staff
    if value == "":
        return None
    colleague = assignment.colleague(session(), current_municipality().id, _case_id(value))
    if colleague is None:
        abort(400)
    return colleague


def _assigned_message(assignee, cases: list[Case]) -> str:
    references = ", ".join(c.reference for c in cases)
    if assignee is None:
        return ngettext("Case %(references)s is released: nobody has it now.",
                        "%(num)d cases are released: nobody has them now (%(references)s).",
                        len(cases), references=references)
    if assignee.id == current_user.staff.id:
        return ngettext("Case %(references)s is yours now.",
                        "%(num)d cases are yours now: %(references)s.",
                        len(cases), references=references)
    return ngettext("Case %(references)s is given to %(name)s.",
                    "%(num)d cases are given to %(name)s: %(references)s.",
                    len(cases), references=references, name=assignee.name)


def _mark_received(cases) -> str:
    marked, skipped = [], []
    for found in cases:
        try:
            apply_event(session(), found, "received", {},
                        actor_staff_user_id=current_user.staff.id)
            marked.append(found.reference)
        except TransitionRefusedError:
            skipped.append(found.reference)
    message = ngettext("%(num)d case is marked as received: %(references)s.",
                       "%(num)d cases are marked as received: %(references)s.",
                       len(marked), references=", ".join(marked)) if marked else ""
    if skipped:
        message += " " + ngettext(
            "%(num)d case was not new, so it was left as it was: %(references)s.",
            "%(num)d cases were not new, so they were left as they were: %(references)s.",
            len(skipped), references=", ".join(skipped))
    return message.strip()
