"""Filling in an application through the test client, step by step."""

from __future__ import annotations

import re
from datetime import date

from portal.identity.nin import NinKind, generate_valid_nin
from tests.support.flows import csrf_token, post_form

CHILD_NIN = generate_valid_nin(date(2016, 11, 30), kind=NinKind.SYNTHETIC)  # Emma Eksempel
ADULT_NIN = generate_valid_nin(date(1961, 3, 14), kind=NinKind.SYNTHETIC)  # Ola Eksempel
YOUTH_NIN = generate_valid_nin(date(2009, 5, 20), kind=NinKind.SYNTHETIC)  # Jonas Eksempel
KARI_NIN = generate_valid_nin(date(1984, 9, 2), kind=NinKind.SYNTHETIC)  # Kari Eksempel

COMMON = {
    "request": {"request": "ip_and_coordinator"},
    "services": {"services": ["home-nursing", "physiotherapy"], "other_services": ""},
    "needs": {"needs": "Help to get home nursing and physiotherapy to talk together.",
              "goals": "Walk to the shop on my own by summer."},
    "wishes": {"known_coordinator": "", "contact_method": "phone", "interpreter": "no",
               "interpreter_language": "", "adaptation": ""},
    # Consent to the plan, and to sharing with the GP and the home-based services; a no to
    # the others (consent_version: the municipality's texts, as the step shows them).
    "consent": {"consent_planning": "y", "sharing": ["gp", "home_services"],
                "sharing_unit": "", "sharing_other": "",
                "consent_version": "eksempel-2026-12-01"},
}
GOALS_TEXT = COMMON["needs"]["goals"]  # an answer that only those who may read answers see


def start_draft(client, kind: str = "ip_application", slug: str = "eksempel") -> str:
    """Start a draft; return the URL of its first step."""
    response = post_form(client, f"/{slug}/ny/{kind}")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def answer(client, url: str, **data):
    response = post_form(client, url, **data)
    assert response.status_code == 302, _errors(response)
    return response.headers["Location"]


def _errors(response) -> str:
    page = response.get_data(as_text=True)
    errors = re.findall(r'class="ds-validation-message"[^>]*>(.*?)</p>', page)
    return "; ".join(errors) or page[:300]


def continue_from_attachments(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(page), "action": "continue"})
    assert response.status_code == 302
    return response.headers["Location"]


def fill_application(client, *, for_whom: str = "self", subject_nin: str | None = None,
                     subject_name: str = "", document: str = "post", request=None) -> str:
    """Answer every step; return the URL of the check-your-answers page."""
    url = answer(client, start_draft(client), for_whom=for_whom)
    if for_whom != "self":
        url = answer(client, url, subject_nin=subject_nin, subject_name=subject_name)
    if for_whom in ("fullmakt", "guardian"):
        url = answer(client, url, document=document)
    return answer_from_request(client, url, request)


def answer_from_request(client, url: str, request=None) -> str:
    """From the «what are you applying for» step to the check page; the check page's URL."""
    url = answer(client, url, **(request or COMMON["request"]))
    for step in ("services", "needs", "wishes", "consent"):
        url = answer(client, url, **COMMON[step])
    assert url.endswith("/vedlegg")
    return continue_from_attachments(client, url)


def send(client, check_url: str):
    page = client.get(check_url).get_data(as_text=True)
    return client.post(check_url, data={"csrf_token": csrf_token(page)})
