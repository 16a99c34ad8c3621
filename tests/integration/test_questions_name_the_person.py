"""Issue 15, point 4: applying for someone else, the questions name that person."""

from __future__ import annotations

import re

from portal.applications.wording import FOR_SOMEONE_ELSE
from tests.support.apply import ADULT_NIN, CHILD_NIN, fill_application
from tests.support.flows import log_in_with_testid

STEP_PATHS = ("dokumentasjon", "tjenester", "behov", "onsker")


def questions_on(page: str) -> list[str]:
    """The labels and legends of a page."""
    found = re.findall(r'<(?:label|legend)[^>]*>(.*?)</(?:label|legend)>', page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def test_every_question_about_the_child_names_the_child(client):
    log_in_with_testid(client, "kari")
    check = fill_application(client, for_whom="child", subject_nin=CHILD_NIN,
                             subject_name="Emma Eksempel")
    base = check.rsplit("/", 1)[0]
    seen = []
    for path in ("tjenester", "behov", "onsker"):
        page = client.get(f"{base}/{path}?lang=en").get_data(as_text=True)
        seen += questions_on(page)
    assert "Which services does Emma Eksempel get now?" in seen
    assert "What does Emma Eksempel need help to coordinate?" in seen
    assert "What goals does Emma Eksempel have?" in seen
    assert "Do you or Emma Eksempel need an interpreter?" in seen
    assert "Which services do you get now?" not in seen
    assert "What are your goals?" not in seen
    page = client.get(f"{base}/tjenester?lang=nb").get_data(as_text=True)
    assert "Hvilke tjenester får Emma Eksempel nå?" in page
    page = client.get(f"{base}/tjenester?lang=nn").get_data(as_text=True)
    assert "Kva tenester får Emma Eksempel no?" in page
    check_page = client.get(check + "?lang=en").get_data(as_text=True)
    assert "What does Emma Eksempel need help to coordinate?" in check_page
    assert "What do you need help to coordinate?" not in check_page


def test_every_reworded_question_is_used_for_someone_else(client):
    """Each field with a second wording is asked with the name, on its step."""
    log_in_with_testid(client, "kari")
    check = fill_application(client, for_whom="guardian", subject_nin=ADULT_NIN,
                             subject_name="Ola Eksempel")
    base = check.rsplit("/", 1)[0]
    labels = []
    for path in STEP_PATHS:
        labels += questions_on(client.get(f"{base}/{path}?lang=en").get_data(as_text=True))
    for field, (label, _hint) in FOR_SOMEONE_ELSE.items():
        expected = str(label) % {"name": "Ola Eksempel"}
        assert expected in labels, field


def test_applying_for_yourself_the_questions_say_you(client):
    log_in_with_testid(client, "kari")
    base = fill_application(client).rsplit("/", 1)[0]
    page = client.get(f"{base}/tjenester?lang=en").get_data(as_text=True)
    assert "Which services do you get now?" in questions_on(page)
