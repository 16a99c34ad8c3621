"""Applying online in Chromium: for myself, for a child, with a power of attorney; in nb, nn
and en; axe-core on every page; and the same without JavaScript. The worker then makes the
receipt PDF and sends the e-mail to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from portal.queue.tasks import run_due_tasks
from tests.browser.conftest import LiveServer, assert_accessible, serve
from tests.support.apply import ADULT_NIN, CHILD_NIN
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GOALS = "Walk to the shop on my own by summer."


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    with socket.socket() as probe:  # aiosmtpd 1.4 cannot start on port 0: find a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture(scope="module")
def apply_server(tmp_path_factory, inbox) -> Iterator[LiveServer]:
    _, port = inbox
    with serve(tmp_path_factory, MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
               SMTP_STARTTLS=False) as server:
        yield server


def new_page(browser, server, javascript=True):
    context = browser.new_context(base_url=server.url, java_script_enabled=javascript)
    return context, context.new_page()


def check(page, javascript: bool) -> None:
    if javascript:
        assert_accessible(page)


def submit(page):
    page.locator("main form button[type=submit]").last.click()


def log_in(page, language: str) -> None:
    page.goto(f"/eksempel/testid?lang={language}")
    page.locator("#person-1").check()  # Kari Eksempel
    submit(page)
    page.goto("/eksempel/min-profil")
    page.locator("#email").fill("kari@example.no")
    submit(page)


def apply(page, who: str, language: str, javascript: bool, tmp_path) -> str:
    log_in(page, language)
    page.goto("/eksempel/soknad")
    check(page, javascript)
    page.locator("main a.ds-button").click()
    check(page, javascript)
    submit(page)  # start: a new draft
    check(page, javascript)
    choice = {"self": "#for_whom-0", "child": "#for_whom-1", "fullmakt": "#for_whom-2"}[who]
    page.locator(choice).check()
    submit(page)
    if who != "self":
        check(page, javascript)
        page.locator("#subject_nin").fill(CHILD_NIN if who == "child" else ADULT_NIN)
        page.locator("#subject_name").fill("Emma Eksempel" if who == "child" else "Ola Eksempel")
        submit(page)
    if who == "fullmakt":
        check(page, javascript)
        page.locator("#document-0").check()  # uploaded with the application
        submit(page)
    check(page, javascript)
    page.locator("#request-2" if who == "child" else "#request-0").check()
    submit(page)
    check(page, javascript)
    page.locator("#services-0").check()
    page.locator("#services-2").check()
    submit(page)
    check(page, javascript)
    page.locator("#needs").fill("Home nursing and physiotherapy should talk together.")
    page.locator("#goals").fill(GOALS)
    submit(page)
    check(page, javascript)
    page.locator("#contact_method-0").check()
    page.locator("#interpreter-0").check()
    submit(page)
    check(page, javascript)
    page.locator("#consent_planning").check()
    page.locator("#sharing-0").check()  # the GP may share; the others not
    submit(page)
    check(page, javascript)
    if who == "fullmakt":
        document = tmp_path / "fullmakt.pdf"
        document.write_bytes(PNG)  # a PNG with a .pdf name: stored as what it is
        page.locator("#file").set_input_files(str(document))
        page.locator("button[value=upload]").click()
        assert "fullmakt.png" in page.locator(".portal-file-list").inner_text()
        check(page, javascript)
    page.locator("button[value=continue]").click()
    check(page, javascript)
    assert page.get_by_text(GOALS).is_visible()
    submit(page)  # send
    check(page, javascript)
    return page.locator(".portal-confirmation p").inner_text().split()[-1].rstrip(".")


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("who", ["self", "child", "fullmakt"])
def test_a_citizen_applies_online(browser, apply_server, inbox, who, language, tmp_path):
    context, page = new_page(browser, apply_server)
    try:
        reference = apply(page, who, language, True, tmp_path)
        assert reference.startswith("IP-")
        run_due_tasks(apply_server.app)
        page.reload()
        check(page, True)
        with page.expect_download() as download:
            page.locator(f"a[href$='{reference}/kvittering.pdf']").click()
        pdf = download.value.path().read_bytes()
        assert pdf.startswith(b"%PDF")
        text = pdf_text(pdf)
        assert GOALS in text
        assert reference in text
        handler, _ = inbox
        mail = next(m for m in handler.messages if reference.encode() in m.content)
        assert mail.rcpt_tos == ["kari@example.no"]
        assert GOALS.encode() not in mail.content
    finally:
        context.close()


@pytest.mark.parametrize("who", ["self", "child", "fullmakt"])
def test_applying_works_without_javascript(browser, apply_server, who, tmp_path):
    context, page = new_page(browser, apply_server, javascript=False)
    try:
        assert apply(page, who, "nb", False, tmp_path).startswith("IP-")
    finally:
        context.close()


def test_the_receipt_and_case_pages_print_without_the_portals_frame(browser, apply_server,
                                                                     tmp_path):
    """Issue 15, point 22: on paper, the page's content and nothing of the portal around it
    (header, language links, login notice, buttons, footer)."""
    context, page = new_page(browser, apply_server)
    try:
        reference = apply(page, "self", "en", True, tmp_path)
        for url in (page.url, f"/eksempel/saker/{reference}?lang=en"):
            page.goto(url)
            page.emulate_media(media="print")
            assert page.locator("h1").is_visible()
            for frame in (".portal-header", ".portal-footer", ".portal-you", "main form",
                          "main .ds-button"):
                shown = [el.is_visible() for el in page.locator(frame).all()]
                assert not any(shown), f"{frame} is printed on {url}"
            page.emulate_media(media="screen")
    finally:
        context.close()
