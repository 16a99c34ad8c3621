"""The service desk through the test client: log in, start a visit, send for the person."""

from __future__ import annotations

import re

from tests.support.apply import COMMON, answer, continue_from_attachments
from tests.support.flows import csrf_token, log_in_staff, post_form

DESK = "desk@eksempel.example"
DESK_HOME = "/eksempel/ansatt/skranke/"


def desk_client(app):
    return log_in_staff(app.test_client(), DESK)


def start_visit(client, nin: str, name: str = "Per Uten Bankid", id_check: str = "passport",
                language: str = "nb") -> str:
    """A visit for the person; the visit page's URL."""
    response = post_form(client, DESK_HOME + "ny", nin=nin, name=name, id_check=id_check,
                         id_document_digits="7788", language=language)
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    return response.headers["Location"]


def post_on(client, page_url: str, action_url: str, **data):
    """POST a button's form found on ``page_url`` (its CSRF token) to ``action_url``."""
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={"csrf_token": token, **data})


def fill_at_desk(client, visit: str) -> str:
    """Answer an application's steps for the person of the visit; the check page's URL."""
    response = post_on(client, visit, visit + "ny/ip_application")
    url = answer(client, response.headers["Location"], for_whom="self")
    url = answer(client, url, **COMMON["request"])
    for step in ("services", "needs", "wishes", "consent"):
        url = answer(client, url, **COMMON[step])
    return continue_from_attachments(client, url)


def apply_at_desk(client, visit: str) -> str:
    """Send an application for the person of the visit; the receipt page's URL."""
    check = fill_at_desk(client, visit)
    sent = post_on(client, check, check)
    assert sent.status_code == 302
    receipt = client.get(sent.headers["Location"])
    assert receipt.status_code == 302
    return receipt.headers["Location"]


def reference_and_code(page: str) -> tuple[str, str]:
    reference = re.search(r'id="receipt-reference">([^<]+)<', page).group(1)
    code = re.search(r'id="receipt-code">([^<]+)<', page).group(1)
    return reference, code
