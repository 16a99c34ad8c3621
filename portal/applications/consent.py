"""The consent texts shown on the consent step, versioned: the version and the exact text the
person saw are stored with the application.

Pasient- og brukerrettighetsloven § 4-1 (consent), § 4-3 and § 4-4 (who consents for children
and young people); forskrift om individuell plan ved ytelse av velferdstjenester (consent to
the plan work and to sharing information between the services).
"""

from __future__ import annotations

from flask_babel import gettext as _

CONSENT_TEXT_VERSION = "2026-11-25"


def consent_intro(mode: str, subject_name: str) -> str:
    if mode == "self":
        return _("To make a plan, the services need to work together and share information "
                 "about you. Nobody can do this without your consent. You can withdraw your "
                 "consent at any time.")
    if mode == "parent":
        return _("%(name)s is under 16, so you as a parent give consent on their behalf. "
                 "You can withdraw the consent at any time.", name=subject_name)
    if mode == "young_person":
        return _("%(name)s is 16 or older and gives consent themself. By ticking the boxes, "
                 "you confirm that %(name)s agrees. The municipality will also ask %(name)s.",
                 name=subject_name)
    return _("You give consent on behalf of %(name)s, as your power of attorney or "
             "guardianship allows. %(name)s can withdraw the consent at any time.",
             name=subject_name)


def consent_text(mode: str, subject_name: str, services: list[str]) -> str:
    """The full text stored with the application, in the language the person used."""
    named = ", ".join(services) if services else _("the services named in the application")
    return " ".join([
        consent_intro(mode, subject_name),
        _("Consent is given to the work on an individual plan and a coordinator."),
        _("Consent is given to sharing the information needed for the plan between: "
          "%(services)s.", services=named),
    ])
