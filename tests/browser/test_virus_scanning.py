"""Issue 16, point 11 in Chromium, with a real clamd: the EICAR test file is refused with a
clear message on every upload control (the application's attachments, an answer to the
municipality, a fullmakt document), in nb, nn and en, with axe-core on every page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.api.clients import create_client
from portal.db import get_db
from portal.documents.attachments import Attachment
from portal.municipalities.service import get_by_slug
from tests.browser.citizens import AFTER_FOR_WHOM, OLA, answer_steps, apply_as, log_in
from tests.browser.conftest import LiveServer, assert_accessible, serve
from tests.support.apply import YOUTH_NIN
from tests.support.clamd import EICAR_PDF

pytestmark = pytest.mark.browser
# What a person reads next to the field and in the error summary, in each language.
VIRUS = {"nb": "Vi fant et virus", "nn": "Vi fann eit virus", "en": "We found a virus"}


@pytest.fixture(scope="module")
def scanning_server(tmp_path_factory, clamd) -> Iterator[LiveServer]:
    with serve(tmp_path_factory, SCANNER="clamd", CLAMD_ADDRESS=clamd.address) as live:
        yield live


@pytest.fixture
def page(browser, scanning_server):
    context = browser.new_context(base_url=scanning_server.url)
    yield context.new_page()
    context.close()


@pytest.fixture
def eicar(tmp_path):
    path = tmp_path / "eicar.pdf"
    path.write_bytes(EICAR_PDF)
    return str(path)


def stored_attachments(server: LiveServer) -> int:
    with get_db(server.app).session_scope() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Attachment))


def assert_refused(page, field_id: str, language: str) -> None:
    """The message next to the field and in the error summary, which links to the field."""
    expect(page.locator(f"#{field_id}-error")).to_contain_text(VIRUS[language])
    summary = page.locator(".ds-error-summary")
    expect(summary).to_contain_text(VIRUS[language])
    expect(summary.locator(f"a[href='#{field_id}']")).to_have_count(1)
    assert_accessible(page)


def ask_for_information(server: LiveServer, reference: str) -> None:
    with get_db(server.app).session_scope() as session:
        municipality = get_by_slug(session, "eksempel")
        _client, token = create_client(session, municipality_id=municipality.id, name="DIPS",
                                       scopes=["cases"])
    client = server.app.test_client()
    for event in ({"type": "in_progress"}, {"type": "information_requested",
                                            "text": "Send legeerklæringen.",
                                            "answer_by": "2030-01-31"}):
        response = client.post(f"/api/v1/cases/{reference}/events", json=event,
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_eicar_file_is_refused_on_every_upload_control(page, scanning_server, eicar,
                                                           language):
    before = stored_attachments(scanning_server)
    log_in(page, OLA, language)
    # 1. The application's attachments step.
    page.goto(f"/eksempel/soknad?lang={language}")
    page.locator("main a.ds-button").first.click()
    page.locator("main form button[type=submit]").last.click()  # start
    page.locator("#for_whom-0").check()
    page.locator("main form button[type=submit]").last.click()
    answer_steps(page, AFTER_FOR_WHOM)
    page.locator("#file").set_input_files(eicar)
    page.locator("button[value=upload]").click()
    assert_refused(page, "file", language)
    # 2. An answer to the municipality's request for information: the text stays.
    reference = apply_as(scanning_server, "ola")
    ask_for_information(scanning_server, reference)
    page.goto(f"/eksempel/saker/{reference}/svar?lang={language}")
    page.locator("#text").fill("Her er legeerklæringen.")
    page.locator("#file").set_input_files(eicar)
    page.locator("button[value=upload]").click()
    assert_refused(page, "file", language)
    expect(page.locator("#text")).to_have_value("Her er legeerklæringen.")
    # 3. A signed fullmakt: what was typed stays.
    page.goto(f"/eksempel/fullmakt/last-opp?lang={language}")
    page.locator("#basis-0").check()
    page.locator("#principal_nin").fill(YOUTH_NIN)
    page.locator("#principal_name").fill("Jonas Eksempel")
    page.locator("#scopes-0").check()
    page.locator("#document").set_input_files(eicar)
    page.locator("main form button[type=submit]").click()
    assert_refused(page, "document", language)
    expect(page.locator("#principal_name")).to_have_value("Jonas Eksempel")
    assert stored_attachments(scanning_server) == before
