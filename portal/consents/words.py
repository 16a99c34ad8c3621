"""What the consent pages call things, and what they say when a rule stops something."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.consents.texts import (
    CHANNEL_WORDS,
    GIVEN_BY_WORDS,
    PURPOSE_WORDS,
    RECIPIENTS,
    STATUS_WORDS,
    consent_label,
)

REFUSALS = {
    "child_under_16": _l("You are under 16. Then a parent must give this consent for you. "
                         "Ask a parent to log in and do it, or to sign the consent form on "
                         "paper."),
    "young_person_decides": _l("The person is 16 or older and decides for themself. Ask them "
                               "to log in and give their own consent."),
    "nothing_chosen": _l("Choose at least one consent to give"),
    "text_changed": _l("The consent text has changed. Read it again and answer."),
    "ends_in_past": _l("The last day cannot be in the past."),
    "not_active": _l("This consent no longer holds. It may have been changed or withdrawn "
                     "a moment ago."),
    "not_allowed": _l("You may not give consent for this person."),
}

def page_words() -> dict:
    """The words every consent template uses."""
    return {"status_words": STATUS_WORDS, "given_by_words": GIVEN_BY_WORDS,
            "channel_words": CHANNEL_WORDS, "purpose_words": PURPOSE_WORDS,
            "recipients": RECIPIENTS, "consent_label": consent_label}
