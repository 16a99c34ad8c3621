"""Issue 15, point 19: the check page shows only answers that count, files show a size people
can read, and a step shows every error at once, each where it belongs."""

from __future__ import annotations

import io
import re

from portal.templating import file_size
from tests.support.apply import ADULT_NIN, COMMON, answer, fill_application, start_draft
from tests.support.flows import csrf_token, log_in_with_testid

PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def errors_of(page: str) -> dict[str, str]:
    """Each inline error by the id of the field it belongs to."""
    return dict(re.findall(r'id="([\w-]+)-error"><span class="ds-sr-only">[^<]*</span>([^<]+)',
                           page))


def test_a_follow_up_to_a_no_is_left_out_of_the_check_page(client):
    log_in_with_testid(client, "kari")
    page = client.get(fill_application(client) + "?lang=en").get_data(as_text=True)
    assert COMMON["wishes"]["interpreter"] == "no"
    assert "Do you need an interpreter?" in page
    assert "Which language, if you need an interpreter?" not in page
    assert "Which unit in the specialist health service?" not in page  # not ticked


def test_a_follow_up_to_a_yes_is_on_the_check_page(client):
    log_in_with_testid(client, "kari")
    check = fill_application(client)
    wishes = check.replace("/sjekk", "/onsker") + "?return_to=check"
    answer(client, wishes, **{**COMMON["wishes"], "interpreter": "yes",
                              "interpreter_language": "Tigrinja"})
    page = client.get(check + "?lang=en").get_data(as_text=True)
    assert "Which language, if you need an interpreter?" in page
    assert "Tigrinja" in page


def test_sizes_below_one_kilobyte_are_shown_in_bytes(app):
    with app.test_request_context("/?lang=en"):
        assert [file_size(n) for n in (1, 200, 1023, 1024, 5_000, 3 * 1024 * 1024)] == [
            "1 byte", "200 bytes", "1023 bytes", "1 kB", "5 kB", "3 MB"]
    with app.test_request_context("/?lang=nb"):
        assert file_size(200) == "200 byte"


def test_a_small_file_on_the_attachments_step_shows_its_bytes(client):
    log_in_with_testid(client, "kari")
    first = start_draft(client)
    url = first.rsplit("/", 1)[0] + "/vedlegg"
    answer(client, first, for_whom="self")
    token = csrf_token(client.get(url).get_data(as_text=True))
    client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "action": "upload", "file": (io.BytesIO(PDF_BYTES), "small.pdf")})
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert f"small.pdf ({len(PDF_BYTES)} bytes)" in page
    assert "0 kB" not in page


def test_no_service_ticked_is_an_error_on_the_group_of_services(client):
    log_in_with_testid(client, "kari")
    check = fill_application(client)
    url = check.replace("/sjekk", "/tjenester")
    token = csrf_token(client.get(url).get_data(as_text=True))
    page = client.post(url + "?lang=en", data={"csrf_token": token, "other_services": ""}
                       ).get_data(as_text=True)
    assert errors_of(page) == {"services": "Choose at least one service, or write which "
                                           "services you get"}
    assert 'href="#services-0"' in page  # the error summary leads to the first box


def test_an_adult_entered_as_a_child_is_reported_with_the_other_errors(client):
    log_in_with_testid(client, "kari")
    url = answer(client, start_draft(client), for_whom="child")
    token = csrf_token(client.get(url).get_data(as_text=True))
    page = client.post(url + "?lang=en", data={"csrf_token": token, "subject_nin": ADULT_NIN,
                                               "subject_name": ""}).get_data(as_text=True)
    errors = errors_of(page)
    assert set(errors) == {"subject_nin", "subject_name"}
    assert errors["subject_nin"].startswith("Your child must be under 18")
    assert ADULT_NIN in page  # nothing typed is lost


# --- Issue 15, point 17: «Mine utkast» tells drafts apart ------------------------------------

def test_my_drafts_shows_for_whom_how_far_and_when_each_was_saved(client):
    from tests.support.apply import CHILD_NIN

    log_in_with_testid(client, "kari")
    mine = answer(client, start_draft(client), for_whom="self")
    answer(client, mine, **COMMON["request"])  # at «services» now
    for_emma = answer(client, start_draft(client), for_whom="child")
    answer(client, for_emma, subject_nin=CHILD_NIN, subject_name="Emma Eksempel")
    page = client.get("/eksempel/utkast/?lang=en").get_data(as_text=True)
    cards = re.findall(r'<li class="portal-card">(.*?)</li>', page, re.S)
    assert len(cards) == 2
    text = [re.sub(r"<[^>]+>", " ", card) for card in cards]
    emma, own = (text if "Emma Eksempel" in text[0] else reversed(text))
    assert "Next: What are you applying for?" in emma
    assert "You" in own
    assert "Next: Services you get now" in own
    for card in text:
        assert "Last saved" in card
        assert re.search(r"\d{1,2}:\d\d", card)  # the time, not only the date
