"""Complaining through the test client, step by step."""

from __future__ import annotations

import re

from tests.support.apply import answer, continue_from_attachments
from tests.support.flows import csrf_token

DISAGREE = {"disagreement": "I need a coordinator: four services do not talk together.",
            "grounds": "The decision says I get enough help, but nobody coordinates it.",
            "wanted_change": "Give me a coordinator."}


def start_on_case(client, reference: str, about: str = "decision"):
    page = client.get(f"/eksempel/saker/{reference}").get_data(as_text=True)
    return client.post(f"/eksempel/klage/sak/{reference}/{about}",
                       data={"csrf_token": csrf_token(page)})


def answer_steps(client, url: str, *, late_reason: str = "", postpone: str = "no",
                 **answers) -> str:
    """Answer every step from ``url``; the check page's URL."""
    values = {**DISAGREE, "postpone": postpone, "postpone_reason": "", **answers}
    while not url.endswith("/sjekk"):
        if url.endswith("/vedlegg"):
            url = continue_from_attachments(client, url)
            continue
        page = client.get(url).get_data(as_text=True)
        names = set(re.findall(r'name="([a-z_]+)"', page)) - {"csrf_token"}
        data = {name: values[name] for name in names if name in values}
        if "late_reason" in names:
            data["late_reason"] = late_reason
        url = answer(client, url, **data)
    return url


def send_complaint(client, check_url: str):
    page = client.get(check_url).get_data(as_text=True)
    return client.post(check_url, data={"csrf_token": csrf_token(page)})


def reference_in(page: str) -> str:
    return re.search(r"KL-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", page).group(0)
