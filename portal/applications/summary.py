"""'Check your answers' rows, shared by the check page and the receipt PDF."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.applications import forms
from portal.applications.consent import sharing_summary
from portal.applications.steps import Step, steps_for
from portal.applications.wording import question
from portal.municipalities.service import localized


def _choice_label(form_class, field_name: str, value) -> str:
    field = getattr(form_class, field_name)
    for choice in field.kwargs.get("choices", []):
        if choice.value == value:
            return str(choice.label)
    return str(value or "")


def _answer(step: Step, name: str, answers: dict, municipality, language: str) -> str:
    value = answers.get(name)
    unbound = getattr(step.form, name)
    if name == "sharing":
        return sharing_summary(answers)
    if name == "services":
        names = {s["key"]: localized(s["name"], language) for s in municipality.services}
        return "\n".join(names.get(key, key) for key in value or [])
    if unbound.field_class.__name__ == "RadioField":
        return _choice_label(step.form, name, value)
    if unbound.field_class.__name__ == "BooleanField":
        return _("Yes") if value else _("No")
    return str(value or "")


def _label(step: Step, name: str, answers: dict) -> str:
    """The question as the step asked it: naming the person the application is for."""
    return question(name, getattr(step.form, name).args[0], answers)


def summary_rows(kind: str, answers: dict, municipality, language: str,
                 attachment_names: list[str], change_url=None) -> list[tuple[str, str, str | None]]:
    """(question, answer, change URL) for every answered question, in step order."""
    rows = []
    for step in steps_for(kind, answers):
        url = change_url(step) if change_url else None
        if step.form is forms.AttachmentForm:
            rows.append((_("Attachments"), "\n".join(attachment_names) or _("None"), url))
            continue
        for name in step.fields:
            if getattr(step.form, name).field_class.__name__ == "HiddenField":
                continue  # kept with the answers, not asked (the consent text's version)
            if not step.counts(name, answers):
                continue  # a follow-up to an answer not given («Which language?» after «No»)
            if name == "subject_nin":
                masked = (answers.get(name) or "")[:6] + "*****"
                rows.append((_label(step, name, answers), masked, url))
                continue
            rows.append((_label(step, name, answers), _answer(step, name, answers, municipality,
                                                     language), url))
    return rows
