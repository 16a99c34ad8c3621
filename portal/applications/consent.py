"""The application's consent step: consent to the plan work, and per service to sharing
information. The municipality's consent texts are versioned (portal.consents.texts); the
version the person was shown is saved with their answers and stored with the application.

Pasient- og brukerrettighetsloven § 4-1 (consent), § 4-3 and § 4-4 (who consents for children
and young people); forskrift om habilitering og rehabilitering, individuell plan og
koordinator (consent to the plan work and to sharing information between the services).
Declining to let a service share information is a right: it never stops the application.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.consents import texts as words
from portal.consents.choices import Choice, choices_from
from portal.municipalities.models import Municipality

# Whose consent the municipality still needs after the application, by who applied.
MISSING = {"young_person": "young_person", "child_under_16": "parent"}


def consent_intro(mode: str, subject_name: str) -> str:
    if mode == "self":
        return _("To make a plan, the services need to work together and share information "
                 "about you. Nobody can do this without your consent. You can withdraw your "
                 "consent at any time.")
    if mode == "child_under_16":
        return _("You are under 16. Then you cannot give this consent alone: a parent must "
                 "consent for you. You can still send the application. The municipality then "
                 "sees that a parent must consent. A parent can do it in the portal or on "
                 "paper.")
    if mode == "parent":
        return _("%(name)s is under 16, so you as a parent give consent on their behalf. "
                 "You can withdraw the consent at any time.", name=subject_name)
    if mode == "young_person":
        return _("%(name)s is 16 or older and gives consent themself. Tick what you know "
                 "%(name)s agrees to. We will also ask %(name)s to give their own consent "
                 "in the portal. Until they do, the case shows that their consent is missing.",
                 name=subject_name)
    return _("You give consent on behalf of %(name)s, as your power of attorney or "
             "guardianship allows. %(name)s can withdraw the consent at any time.",
             name=subject_name)


def step_context(mode: str, subject_name: str, municipality: Municipality,
                 language: str) -> dict:
    """What the consent step shows besides its fields: who consents, and the texts."""
    texts = words.current_texts(municipality)
    return {"consent_intro": consent_intro(mode, subject_name), "consent_mode": mode,
            "consent_version": texts["version"],
            "consent_plan_text": words.text_for(texts, "plan", language),
            "consent_sharing_text": words.text_for(texts, "sharing", language)}


def check_step(form, mode: str, municipality: Municipality) -> bool:
    """The rules that need more than the form: errors are shown next to the field."""
    if words.texts_of_version(municipality, form.consent_version.data or "") is None:
        form.consent_planning.errors.append(_("The consent text has changed. Read it again "
                                              "and answer."))
        return False
    if mode != "child_under_16" and not form.consent_planning.data:
        form.consent_planning.errors.append(_("Tick the box to consent to the work on the "
                                              "plan. Without it, the municipality cannot make "
                                              "a plan."))
        return False
    return True


def chosen(answers: dict) -> list[Choice]:
    """The consents the answers give (the plan, and each service that may share)."""
    return choices_from(plan=bool(answers.get("consent_planning")),
                        sharing=answers.get("sharing") or [],
                        unit=answers.get("sharing_unit") or "",
                        others=answers.get("sharing_other") or "")


def sharing_answers(answers: dict) -> list[dict]:
    """Every service offered, with the answer; each provider typed in, agreed."""
    ticked = answers.get("sharing") or []
    unit = (answers.get("sharing_unit") or "").strip()
    rows = [{"recipient": key, "name": str(label),
             "unit": unit if key == "specialist" and key in ticked else "",
             "agrees": key in ticked} for key, label in words.RECIPIENTS.items()]
    for choice in chosen(answers):
        if choice.recipient == words.OTHER:
            rows.append({"recipient": words.OTHER, "name": choice.recipient_name, "unit": "",
                         "agrees": True})
    return rows


def answers_from(consent: dict) -> dict:
    """The step's answers again, from a stored payload's ``consent`` (for receipts)."""
    sharing = consent.get("sharing") or []
    return {
        "consent_planning": consent["planning"],
        "sharing": [row["recipient"] for row in sharing
                    if row["agrees"] and row["recipient"] != words.OTHER],
        "sharing_unit": next((row["unit"] for row in sharing if row.get("unit")), ""),
        "sharing_other": "\n".join(row["name"] for row in sharing
                                   if row["recipient"] == words.OTHER),
        "consent_version": consent["text_version"],
    }


def consent_payload(answers: dict, mode: str, subject_name: str, municipality: Municipality,
                    language: str) -> dict:
    """The application payload's ``consent`` (schemas/ip_application.v1.json)."""
    version = answers.get("consent_version") or ""
    texts = words.texts_of_version(municipality, version) or words.current_texts(municipality)
    sharing = sharing_answers(answers)
    return {
        "planning": bool(answers.get("consent_planning")),
        "information_exchange": any(row["agrees"] for row in sharing),
        "sharing": sharing,
        "given_by": mode,
        "valid": mode not in MISSING,
        "missing": MISSING.get(mode),
        "text_version": texts["version"],
        "text": " ".join([consent_intro(mode, subject_name),
                          words.text_for(texts, "plan", language),
                          words.text_for(texts, "sharing", language)]),
    }


def declined_names(answers: dict) -> list[str]:
    return [row["name"] for row in sharing_answers(answers) if not row["agrees"]]


def sharing_summary(answers: dict) -> str:
    """The check page's answer about sharing: who may, who may not, and what a no means."""
    agreed = [words.recipient_label(row["recipient"], row["unit"])
              for row in sharing_answers(answers)
              if row["agrees"] and row["recipient"] != words.OTHER]
    lines = agreed or [_("None of them")]
    declined = declined_names(answers)
    if declined:
        lines += ["", _("You said no to: %(names)s.", names=", ".join(declined)),
                  _("They will not get or give information for the plan, so the plan may not "
                    "cover what they do. You can change this at any time under «My consents».")]
    return "\n".join(lines)
