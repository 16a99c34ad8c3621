"""Where the portal may find how to reach a person: a pluggable look-up.

In production the national contact register (Kontakt- og reservasjonsregisteret, KRR, run by
Digdir) would answer with the e-mail address and mobile number a person has registered; that
needs an agreement and a Maskinporten client the demo municipality does not have. The default,
``none``, knows nothing, so the application asks the person and fills in what «My profile»
holds. An integration registers its look-up with ``register`` and is chosen with
``PORTAL_CONTACT_REGISTER``. A look-up is given the identity number and must never log it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class ContactDetails:
    email: str = ""
    mobile: str = ""


ContactLookup = Callable[[str], ContactDetails | None]  # identity number -> details or None


def no_register(_nin: str) -> ContactDetails | None:
    return None


LOOKUPS: dict[str, ContactLookup] = {"none": no_register}


def register(name: str, lookup: ContactLookup) -> None:
    """Make a look-up (e.g. a KRR client) available under ``PORTAL_CONTACT_REGISTER=name``."""
    LOOKUPS[name] = lookup


def contact_register() -> ContactLookup:
    name = current_app.config.get("CONTACT_REGISTER", "none")
    if name not in LOOKUPS:
        raise RuntimeError(f"PORTAL_CONTACT_REGISTER={name!r} is not a registered look-up")
    return LOOKUPS[name]


def known_contact(profile_email: str, profile_phone: str, nin: str) -> ContactDetails:
    """What to fill in: the profile's details, and the register's for what the profile lacks."""
    if profile_email and profile_phone:
        return ContactDetails(profile_email, profile_phone)
    found = contact_register()(nin) or ContactDetails()
    return ContactDetails(profile_email or found.email, profile_phone or found.mobile)
