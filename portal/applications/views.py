"""Applying online: start, one step per page, check your answers, send, receipt.

The step, check and receipt pages serve every kind registered as a ``Flow``
(``portal.applications.steps``): the applications' own kinds, and complaints, which bring
their own steps and hooks (what to send, when to refuse).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from wtforms import SelectChoice

from portal import access, clock
from portal.applications import consent, wording
from portal.applications import steps as flow
from portal.applications.filler import current_filler, filler_url
from portal.applications.service import subject_of, submit_draft
from portal.applications.summary import summary_rows
from portal.db import session
from portal.drafts.service import answers as draft_answers
from portal.drafts.service import create_draft, find_draft, save_answers
from portal.forms import ConfirmForm
from portal.i18n import current_language
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.municipalities.service import localized
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("applications", __name__)
RETURN_TO_CHECK = "check"
FLOW_PATH = "<any({}):flow_path>".format(", ".join(flow.FLOW_PATHS))


def draft_url(endpoint: str, draft, **values) -> str:
    """The URL of one of a draft's pages (``step``, ``check``, ``sent``, …), for whoever fills
    it in (the citizen's own pages, or the desk's)."""
    return filler_url(endpoint, flow_path=flow.FLOWS[draft.kind].path,
                      draft_id=draft.public_id, **values)


@blueprint.get("/soknad")
@access.public
def intro():
    return render_template("applications/intro.html", kind="ip_application")


@blueprint.get("/tilgang-elektronisk-plan")
@access.public
def eip_intro():
    return render_template("applications/eip_intro.html", kind="eip_access")


@blueprint.route("/ny/<any(ip_application, eip_access):kind>", methods=["GET", "POST"])
@rules.citizen
def start(kind: str):
    if closed_online():
        return render_template("applications/closed.html"), 409
    name_first()
    refusal = _acting_refusal(kind)
    if refusal:
        return render_template("applications/not_allowed.html", **refusal), 403
    form = ConfirmForm()
    if form.validate_on_submit():
        draft = create_draft(session(), data_keys(), municipality_id=current_municipality().id,
                             owner_person_id=current_filler().person.id, kind=kind,
                             lifetime=draft_lifetime())
        answers = _acting_answers(kind)
        if answers:
            save_answers(data_keys(), draft, answers, draft_lifetime())
        first = flow.first_unanswered(kind, answers) or flow.steps_for(kind, answers)[0]
        return redirect(draft_url("step", draft, step_path=first.path))
    return render_template("applications/start.html", form=form, kind=kind,
                           title=flow.KIND_TITLES[kind], days=draft_lifetime().days,
                           filler=current_filler())


def _acting_answers(kind: str) -> dict:
    """Acting for someone: the application is for them, on the basis the portal knows."""
    from portal.identity.persons import person_nin
    from portal.representation.acting import acting_representation
    from portal.representation.models import ROLE_BY_BASIS

    representation = acting_representation()
    if representation is None or kind != "ip_application":
        return {}
    principal = representation.principal
    return {"for_whom": ROLE_BY_BASIS[representation.basis],
            "subject_nin": person_nin(data_keys(), principal).value,
            "subject_name": principal.name, "representation": representation.id}


def closed_online() -> bool:
    """The municipality has closed digital submission for now; the desk keeps working."""
    return current_municipality().digital_submission_closed and not current_filler().at_desk


def draft_lifetime() -> timedelta:
    return timedelta(days=current_app.config["DRAFT_LIFETIME_DAYS"])


def name_first() -> None:
    """The municipality must know who applies: a person whose login gave no name (and who
    has none in «My profile») is asked for it once, then comes back here."""
    filler = current_filler()
    if not filler.at_desk and not (filler.person.name or "").strip():
        abort(redirect(url_for("auth.your_name", next=request.full_path.rstrip("?")
                               if request.method == "GET" else request.path)))


def own_draft(draft_id: str, flow_path: str | None = None):
    """The logged-in person's draft, reached under its own kind's URLs; else 404. Asks for
    the person's name first if it is not known."""
    name_first()
    draft = find_draft(session(), municipality_id=current_municipality().id,
                       owner_person_id=current_filler().person.id, public_id=draft_id)
    if draft is None or draft.kind not in flow.FLOWS:
        abort(404)  # a reply's draft is answered on its case page, not here
    if flow_path is not None and flow.FLOWS[draft.kind].path != flow_path:
        abort(404)
    return draft


@blueprint.route(f"/{FLOW_PATH}/<draft_id>/<step_path>", methods=["GET", "POST"])
@rules.citizen
def step(flow_path: str, draft_id: str, step_path: str):
    draft = own_draft(draft_id, flow_path)
    if draft.submission_id:
        return redirect(draft_url("sent", draft))
    answers = draft_answers(data_keys(), draft)
    current = flow.step_by_path(draft.kind, step_path)
    if current is None:
        abort(404)
    if not current.applies(answers):
        return redirect(draft_url("check", draft))
    if current.key == "attachments":
        from portal.applications.attachment_views import attachments_step

        return attachments_step(draft, answers, current)
    form = _form_for(current, answers, draft)
    # Every error at once: the rules that need other steps' answers are asked even when a
    # field has an error of its own, so that nobody fixes one error only to meet the next.
    valid = form.validate_on_submit()
    if request.method == "POST" and _cross_checks(form, current, answers) and valid:
        values = {name: form[name].data for name in current.fields}
        answers = save_answers(data_keys(), draft, values, draft_lifetime())
        return redirect(next_url(draft, answers, current))
    return render_template("applications/step.html", form=form, step=current, draft=draft,
                           step_title=wording.title(current, answers),
                           back_url=back_url(draft, answers, current),
                           progress=progress(draft.kind, answers, current),
                           saved=bool(answers) and not form.errors,
                           **_step_context(current, answers, draft))


def progress(kind: str, answers: dict, current) -> tuple[int, int]:
    """«Step 3 of 7»: the steps that apply to these answers, and the check page as the last."""
    applying = flow.steps_for(kind, answers)
    number = applying.index(current) + 1 if current in applying else 1
    return number, len(applying) + 1


def next_url(draft, answers: dict, current) -> str:
    following = flow.next_step(draft.kind, answers, current)
    unanswered = flow.first_unanswered(draft.kind, answers)
    if request.args.get("return_to") == RETURN_TO_CHECK and unanswered is None:
        return draft_url("check", draft)
    if following is None:
        return draft_url("check", draft)
    return draft_url("step", draft, step_path=following.path)


def back_url(draft, answers: dict, current) -> str:
    if request.args.get("return_to") == RETURN_TO_CHECK:
        return draft_url("check", draft)
    previous = flow.previous_step(draft.kind, answers, current)
    if previous is None:
        start_url = flow.FLOWS[draft.kind].start_url
        return start_url(answers) if start_url else filler_url("start", kind=draft.kind)
    return draft_url("step", draft, step_path=previous.path)


def _form_for(current, answers: dict, draft):
    form = current.form(data={**_known_contact(current, answers),
                              **{name: answers[name] for name in current.fields
                                 if name in answers}})
    if "services" in current.fields:
        language = current_language()
        form.services.choices = [SelectChoice(s["key"], localized(s["name"], language))
                                 for s in current_municipality().services]
    prepare = flow.FLOWS[draft.kind].prepare_form
    if prepare is not None:
        prepare(current, form, answers)
    wording.address_form(form, current, answers)
    return form


def _known_contact(current, answers: dict) -> dict:
    """How to reach the applicant, filled in until they answer: «My profile», then the
    contact register (``portal.identity.contact_register``; KRR where there is one)."""
    if "contact_email" not in current.fields or "contact_email" in answers:
        return {}
    from portal.identity.contact_register import known_contact
    from portal.identity.persons import person_nin

    person = current_filler().person
    known = known_contact(person.email or "", person.phone or "",
                          person_nin(data_keys(), person).value)
    return {"contact_email": known.email, "contact_mobile": known.mobile}


def _subject_age(answers: dict) -> int | None:
    return subject_of(data_keys(), current_filler().person, answers).age(clock.today())


def _cross_checks(form, current, answers: dict) -> bool:
    """Rules that need answers from other steps; errors are shown next to the field."""
    from flask_babel import gettext as _

    if current.key == "subject" and answers.get("for_whom") == "child" \
            and not form.subject_nin.errors:
        age = form.subject_nin.nin.age_on(clock.today())
        if age >= flow.CHILD_AGE_LIMIT:
            form.subject_nin.errors.append(_("Your child must be under 18. For someone who is "
                                             "18 or older, you need a power of attorney or "
                                             "to be their guardian."))
            return False
    if current.key == "request" and form.request.data == "child_coordinator":
        age = _subject_age(answers)
        if age is None or age >= flow.CHILD_AGE_LIMIT:
            form.request.errors.append(_("A child coordinator is for children under 18. "
                                         "Choose another option."))
            return False
    if current.key == "consent":
        mode = flow.consent_mode(answers, _subject_age(answers))
        return consent.check_step(form, mode, current_municipality())
    return True


def _step_context(current, answers: dict, draft) -> dict:
    context = flow.FLOWS[draft.kind].context
    if context is not None:
        return context(current, answers)
    if current.key != "consent":
        return {}
    subject = subject_of(data_keys(), current_filler().person, answers)
    mode = flow.consent_mode(answers, subject.age(clock.today()))
    return consent.step_context(mode, subject.name or _name_fallback(), current_municipality(),
                                current_language())


def _name_fallback() -> str:
    from flask_babel import gettext as _

    return _("The person")


@blueprint.route(f"/{FLOW_PATH}/<draft_id>/sjekk", methods=["GET", "POST"])
@rules.citizen
def check(flow_path: str, draft_id: str):
    draft = own_draft(draft_id, flow_path)
    if draft.submission_id:
        return redirect(draft_url("sent", draft))
    answers = draft_answers(data_keys(), draft)
    missing = flow.first_unanswered(draft.kind, answers)
    if missing is not None:
        return redirect(draft_url("step", draft, step_path=missing.path))
    form = ConfirmForm()
    if closed_online() and request.method == "POST":
        return render_template("applications/closed.html"), 409  # the draft is kept
    kind = flow.FLOWS[draft.kind]
    refused = (kind.refusal or _no_longer_allowed)(answers)
    if refused:
        return render_template("applications/not_allowed.html", **refused), 403
    if form.validate_on_submit():
        if kind.submit is not None:
            kind.submit(draft, answers)
        else:
            filler = current_filler()
            submit_draft(session(), data_keys(), draft, municipality=current_municipality(),
                         applicant=filler.person, answers=answers,
                         language=current_language(), channel=filler.channel,
                         staff_user_id=filler.staff_user_id,
                         desk_visit_id=filler.desk_visit_id)
        return redirect(draft_url("sent", draft))
    total = len(flow.steps_for(draft.kind, answers)) + 1
    return render_template("applications/check.html", form=form, draft=draft, flow=kind,
                           rows=_rows(draft, answers), title=kind.title, progress=(total, total))


def _acting_refusal(kind: str) -> dict:
    """Acting for someone whose representation does not let them start this: why not."""
    from flask_babel import gettext as _

    from portal.representation.acting import acting_representation
    from portal.representation.rules import may_apply_for

    representation = acting_representation()
    if representation is None:
        return {}
    name = representation.principal.name
    if kind == "eip_access":
        return {"title": _("Access to the electronic plan is personal"),
                "text": _("Only %(name)s can ask for access to their own plan. Switch to act "
                          "for yourself to ask for access for yourself.", name=name)}
    if not may_apply_for(session(), actor=current_filler().person,
                         principal_id=representation.principal_person_id,
                         municipality_id=current_municipality().id):
        return {"title": _("You cannot apply for %(name)s", name=name),
                "text": _("An application needs the right to apply and to give consent. The "
                          "power of attorney from %(name)s does not give you both. Ask them "
                          "to change it, or to apply themself.", name=name)}
    return {}


def _no_longer_allowed(answers: dict) -> dict:
    """Started while acting for someone whose fullmakt has since ended or shrunk: why not."""
    from flask_babel import gettext as _

    from portal.representation.models import Representation
    from portal.representation.rules import may_apply_for

    if not flow.chosen_by_acting(answers):
        return {}
    representation = session().get(Representation, answers["representation"])
    if representation is not None and may_apply_for(
            session(), actor=current_filler().person,
            principal_id=representation.principal_person_id,
            municipality_id=current_municipality().id):
        return {}
    name = answers.get("subject_name") or "?"
    return {"title": _("You can no longer apply for %(name)s", name=name),
            "text": _("The power of attorney has ended or is taken back, so the application "
                      "was not sent. Your answers are kept as a draft.")}


def _rows(draft, answers: dict):
    from portal.documents.attachments import attachments_for_draft

    names = [a.display_name for a in attachments_for_draft(session(), current_municipality().id,
                                                            draft.id)]
    about = flow.FLOWS[draft.kind].about_rows
    first = [(label, text, None) for label, text in about(answers)] if about else []
    return first + summary_rows(
        draft.kind, answers, current_municipality(), current_language(), names,
        change_url=lambda s: draft_url("step", draft, step_path=s.path,
                                       return_to=RETURN_TO_CHECK),
    )


@blueprint.get(f"/{FLOW_PATH}/<draft_id>/sendt")
@rules.citizen
def sent(flow_path: str, draft_id: str):
    """Where every resent POST of the same draft lands: the one receipt."""
    draft = own_draft(draft_id, flow_path)
    if not draft.submission_id:
        return redirect(draft_url("check", draft))
    if current_filler().at_desk:  # the desk prints the person's receipt
        return redirect(filler_url("receipt", submission_id=draft.submission_id))
    from portal.applications.receipt_views import receipt_for_submission

    return receipt_for_submission(draft.submission_id)
