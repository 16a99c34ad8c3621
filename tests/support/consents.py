"""Giving, changing and withdrawing consents through the citizen pages."""

from __future__ import annotations

import re

from tests.support.flows import csrf_token

BASE = "/eksempel/samtykker"


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', page)
    if match is None:
        match = re.search(rf'type="hidden" name="{name}" value="([^"]*)"', page)
    assert match, f"the page has no hidden {name}"
    return match.group(1)


def give(client, *, plan: bool = False, sharing=(), unit: str = "", others: str = "",
         information: str = "", last_day: str = "", confirm: bool = True, url: str = ""):
    """Give consents as the logged-in person (for whom they act), or at the desk's ``url``;
    the last response."""
    url = url or f"{BASE}/ny"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "request_id": hidden(page, "request_id"),
            "consent_version": hidden(page, "consent_version"), "sharing": list(sharing),
            "sharing_unit": unit, "sharing_other": others, "information": information,
            "last_day": last_day, "action": "check"}
    if plan:
        data["consent_planning"] = "y"
    checked = client.post(url, data=data)
    if not confirm or checked.status_code != 200 or "Error:" in checked.get_data(as_text=True):
        return checked
    return client.post(url, data={**data, "action": "confirm"})


def change(client, consent_id: int, *, information: str = "", last_day: str = ""):
    url = f"{BASE}/{consent_id}/endre"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "request_id": hidden(page, "request_id"),
            "consent_version": hidden(page, "consent_version"), "information": information,
            "last_day": last_day, "action": "check"}
    checked = client.post(url, data=data)
    if checked.status_code != 200 or "Error:" in checked.get_data(as_text=True):
        return checked
    return client.post(url, data={**data, "action": "confirm"})


def withdraw(client, consent_id: int):
    url = f"{BASE}/{consent_id}/trekk"
    return client.post(url, data={"csrf_token": csrf_token(client.get(url).get_data(
        as_text=True))})
