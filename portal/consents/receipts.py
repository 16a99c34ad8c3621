"""What a consent submission's receipt says (page, PDF and e-mail), in the receipt's language."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.consents.models import ConsentStatus, Purpose
from portal.consents.texts import CHANNEL_WORDS, GIVEN_BY_WORDS, PURPOSE_WORDS, STATUS_WORDS
from portal.consents.texts import recipient_label as _recipient_label

ACTION_WORDS = {"given": _l("Consent given"), "changed": _l("Consent changed"),
                "withdrawn": _l("Consent withdrawn")}
MISSING_WORDS = {
    "parent": _l("A parent must consent to the work on the plan (the person is under 16)."),
    "young_person": _l("The young person must give their own consent to the work on the plan."),
    "person": _l("There is no consent to the work on the plan."),
}


def label_of(consent: dict) -> str:
    """A consent's name: the plan work, or the service it lets share information."""
    if consent["purpose"] == Purpose.PLAN:
        return str(PURPOSE_WORDS[Purpose.PLAN])
    return _recipient_label(consent["recipient"], consent["recipient_name"])


def details_of(consent: dict) -> str:
    """Status, what information, last day, who gave it and how, and the text's version."""
    lines = [str(STATUS_WORDS[ConsentStatus(consent["status"])])]
    if consent["information"]:
        lines.append(_("Information: %(information)s", information=consent["information"]))
    if consent["last_day"]:
        lines.append(_("Last day: %(date)s",
                       date=format_date(date.fromisoformat(consent["last_day"]), "long")))
    who = consent["given_by_name"] or str(GIVEN_BY_WORDS[consent["given_by"]])
    lines.append(_("Given by %(who)s (%(role)s), %(how)s", who=who,
                   role=GIVEN_BY_WORDS[consent["given_by"]], how=CHANNEL_WORDS[consent["channel"]]))
    if consent["recorded_by"]:
        lines.append(_("Recorded by %(name)s", name=consent["recorded_by"]["name"]))
    lines.append(_("Consent text, version %(version)s", version=consent["text_version"]))
    return "\n".join(lines)


def receipt_rows(payload: dict) -> list[tuple[str, str]]:
    rows = [(_("What happened"), str(ACTION_WORDS[payload["action"]]))]
    for consent in payload["changed"]:
        rows.append((label_of(consent), details_of(consent)))
    current = [label_of(consent) for consent in payload["consents"]]
    rows.append((_("Your consents now"), "\n".join(current) or _("None")))
    if payload["consent_missing"]:
        rows.append((_("Still missing"), str(MISSING_WORDS[payload["consent_missing"]])))
    texts = {consent["text_version"]: consent["text"] for consent in payload["changed"]
             if payload["action"] != "withdrawn"}
    for version, text in texts.items():
        rows.append((_("Consent text, version %(version)s", version=version), text))
    return rows


def what_next() -> str:
    return _("The change applies at once. We have told the municipality. You can see, give, "
             "change and withdraw your consents at any time under «My consents».")
