"""Giving and using representations through the citizen pages."""

from __future__ import annotations

import re

from tests.support.flows import csrf_token

GRANT = "/eksempel/fullmakt/ny"
ALL = ("apply", "follow", "complain", "consent")


def grant(client, nin: str, name: str, scopes=ALL, valid_to: str = "", confirm: bool = True):
    """Give a fullmakt as the logged-in person; the last response."""
    page = client.get(GRANT).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "representative_nin": nin,
            "representative_name": name, "scopes": list(scopes), "valid_to": valid_to,
            "request_id": re.search(r'name="request_id" type="hidden" value="([0-9a-f]+)"',
                                    page).group(1), "action": "check"}
    checked = client.post(GRANT, data=data)
    if not confirm or checked.status_code != 200 or "Error:" in checked.get_data(as_text=True):
        return checked
    return client.post(GRANT, data={**data, "action": "confirm"})


def act_for(client, principal_id: int | str):
    page = client.get("/eksempel/fullmakt/handle-for").get_data(as_text=True)
    response = client.post("/eksempel/fullmakt/handle-for",
                           data={"csrf_token": csrf_token(page), "acting_for": str(principal_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return response


def apply_while_acting(client) -> str:
    """Start an application while acting for someone; the check page's URL."""
    from tests.support.apply import answer_from_request

    page = client.get("/eksempel/ny/ip_application").get_data(as_text=True)
    response = client.post("/eksempel/ny/ip_application", data={"csrf_token": csrf_token(page)})
    assert response.headers["Location"].endswith("/hva")  # who, and on what basis: known
    return answer_from_request(client, response.headers["Location"])
