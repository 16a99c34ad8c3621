"""The information pages of every municipality, in the order the start page lists them.

Each page is a template under ``templates/info/`` that fills in the municipality's own details
(unit, addresses, complaint body). The URL path is Norwegian, since it is shown to citizens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class InfoPage:
    key: str
    path: str
    title: object  # a lazy translated string
    summary: object
    updated: date


UPDATED = date(2026, 11, 25)

PAGES = (
    InfoPage("individual_plan", "individuell-plan", _l("What is an individual plan?"),
             _l("A plan that brings your services together around your own goals."), UPDATED),
    InfoPage("coordinator", "koordinator", _l("What does a coordinator do?"),
             _l("One person who follows you up and makes the services work together."), UPDATED),
    InfoPage("who_can_get", "hvem-kan-fa", _l("Who can get an individual plan?"),
             _l("For you who need long-term services from two or more places. It is free."),
             UPDATED),
    InfoPage("how_to_apply", "slik-soker-du", _l("How to apply"),
             _l("Apply online. You can also get help at the service desk, or apply on paper."),
             UPDATED),
    InfoPage("consent", "samtykke", _l("Consent"),
             _l("Nobody makes a plan for you without your consent."), UPDATED),
    InfoPage("processing_time", "behandlingstid", _l("Processing time"),
             _l("How long it takes, and what happens if it takes longer."), UPDATED),
    InfoPage("complaints", "klage", _l("How to complain"),
             _l("What you can do if you disagree with a decision or with your plan."), UPDATED),
    InfoPage("child_coordinator", "barnekoordinator", _l("Child coordinator"),
             _l("For families with a child who has a serious illness, injury or disability."),
             UPDATED),
    InfoPage("legal_basis", "lovverk", _l("Laws and regulations"),
             _l("The rules that give you the right to a plan and a coordinator."), UPDATED),
    InfoPage("contact", "kontakt", _l("Contact us"),
             _l("Phone, e-mail, address and opening hours."), UPDATED),
)

# Pages every Norwegian public service must have; linked from the footer of every page.
STATEMENTS = (
    InfoPage("accessibility", "tilgjengelighet", _l("Accessibility statement"),
             _l("How accessible this service is, and how to tell us about problems."), UPDATED),
    InfoPage("privacy", "personvern", _l("Privacy statement"),
             _l("What we do with your personal data, and your rights."), UPDATED),
)

BY_PATH = {page.path: page for page in PAGES + STATEMENTS}
BY_KEY = {page.key: page for page in PAGES + STATEMENTS}
