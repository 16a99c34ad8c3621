"""The words of consent: the municipality's versioned consent texts, and the names of the
services information may be shared with, of who gave a consent, and of its status.

Each municipality keeps its consent texts in its profile (``consent_texts``: every version
it has used, newest last, each in nb, nn and en). A consent stores the version and the text
exactly as the person was shown it, so a new version never rewrites an old consent. A
municipality without texts of its own uses the portal's standard texts
(``standard_texts.toml``).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.consents.models import Channel, ConsentStatus, GivenBy, Purpose
from portal.municipalities.models import Municipality
from portal.municipalities.service import localized

STANDARD_TEXTS = Path(__file__).parent / "standard_texts.toml"

# The services and providers a person may let share information for the plan (forskrift om
# habilitering og rehabilitering, individuell plan og koordinator § 21: the plan names who
# takes part). «specialist» needs the unit, «other» is typed in.
RECIPIENTS = {
    "gp": _l("GP (fastlege)"),
    "home_services": _l("Home-based services (hjemmetjenesten)"),
    "nav": _l("NAV"),
    "school": _l("School or kindergarten"),
    "ppt": _l("Educational and psychological counselling service (PPT)"),
    "child_welfare": _l("Child welfare services (barnevern)"),
    "specialist": _l("Specialist health service (hospital, BUP or DPS)"),
}
OTHER = "other"
NAMED = frozenset({"specialist", OTHER})  # the name of the unit or provider is part of it

PURPOSE_WORDS = {
    Purpose.PLAN: _l("The work on an individual plan and a coordinator"),
    Purpose.SHARING: _l("Sharing information"),
}
STATUS_WORDS = {
    ConsentStatus.ACTIVE: _l("Active"),
    ConsentStatus.WITHDRAWN: _l("Withdrawn"),
    ConsentStatus.EXPIRED: _l("Expired"),
    ConsentStatus.REPLACED: _l("Replaced by a newer version"),
}
GIVEN_BY_WORDS = {
    GivenBy.PERSON: _l("the person themself"),
    GivenBy.PARENT: _l("a parent"),
    GivenBy.REPRESENTATIVE: _l("a representative (power of attorney or guardian)"),
}
CHANNEL_WORDS = {
    Channel.WEB: _l("in the portal"),
    Channel.DESK: _l("at the service desk"),
    Channel.PAPER: _l("on a signed paper form"),
    Channel.MEETING: _l("in a meeting"),
}


@cache
def standard_texts() -> dict:
    with STANDARD_TEXTS.open("rb") as file:
        return tomllib.load(file)


def versions(municipality: Municipality) -> list[dict]:
    """Every version of the municipality's consent texts, oldest first."""
    return list(municipality.consent_texts or []) or [standard_texts()]


def current_texts(municipality: Municipality) -> dict:
    """The version to show now: the newest."""
    return versions(municipality)[-1]


def texts_of_version(municipality: Municipality, version: str) -> dict | None:
    found = [texts for texts in versions(municipality) if texts["version"] == version]
    if not found and version == standard_texts()["version"]:
        return standard_texts()  # given before the municipality wrote texts of its own
    return found[-1] if found else None


def text_for(texts: dict, purpose: Purpose | str, language: str) -> str:
    """The text of one purpose in one language, as it is shown and stored."""
    return localized(texts[str(purpose)], language)


def recipient_label(recipient: str, name: str = "") -> str:
    """What a sharing consent is called: the service, with the unit or provider typed in."""
    if recipient == OTHER:
        return name
    label = str(RECIPIENTS.get(recipient, recipient))
    return f"{label}: {name}" if name else label


def consent_label(consent) -> str:
    if consent.purpose == Purpose.PLAN:
        return str(PURPOSE_WORDS[Purpose.PLAN])
    return recipient_label(consent.recipient, consent.recipient_name)
