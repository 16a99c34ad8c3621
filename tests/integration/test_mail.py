"""E-mail: sent through a real SMTP server, or written to .eml files that the development
pages list; the receipt mail holds the reference and a link, never an identity number."""

from __future__ import annotations

import logging
import re
import smtplib
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from portal.notifications.mail import receipt_email, send_mail, stored_mails
from portal.notifications.views import blueprint as dev_mail_blueprint

RECEIPT_URL = "https://portal.example/eksempel/saker/IP-2026-7KQ4-M9"
ADDRESS = "åse.odegard@example.no"


class Collector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [message_from_bytes(e.content, policy=default_policy) for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp_server(**smtp_options) -> tuple[Controller, Collector]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    return controller, collector


@pytest.fixture
def smtp_server():
    controller, collector = start_smtp_server()
    yield controller, collector
    controller.stop()


@pytest.fixture
def smtp_server_with_login():
    def check_login(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"portal", b"s3cret")
        return AuthResult(success=ok)

    # Login without TLS is for this test only; production sets SMTP_STARTTLS.
    controller, collector = start_smtp_server(authenticator=check_login, auth_require_tls=False)
    yield controller, collector
    controller.stop()


def smtp_app(app_factory, controller, **settings):
    return app_factory(MAIL_BACKEND="smtp", SMTP_HOST=controller.hostname,
                       SMTP_PORT=controller.port, SMTP_STARTTLS=False,
                       MAIL_FROM="ikke-svar@eksempel.example", **settings)


def with_dev_mail(app):
    if "dev_mail" not in app.blueprints:
        app.register_blueprint(dev_mail_blueprint)
    return app


def test_smtp_delivers_subject_recipient_and_body_in_utf8(app_factory, smtp_server):
    controller, collector = smtp_server
    app = smtp_app(app_factory, controller)
    with app.app_context():
        send_mail("ola@example.no", "Kvittering – søknad mottatt", "Vi har fått søknaden din.\nÆØÅ")
    [envelope] = collector.envelopes
    [message] = collector.messages()
    assert envelope.rcpt_tos == ["ola@example.no"]
    assert envelope.mail_from == "ikke-svar@eksempel.example"
    assert message["To"] == "ola@example.no"
    assert message["Subject"] == "Kvittering – søknad mottatt"
    assert message["Auto-Submitted"] == "auto-generated"
    # SMTP carries lines ending in CRLF
    assert message.get_content().splitlines() == ["Vi har fått søknaden din.", "ÆØÅ"]


def test_smtp_logs_in_with_the_configured_account(app_factory, smtp_server_with_login):
    controller, collector = smtp_server_with_login
    app = smtp_app(app_factory, controller, SMTP_USERNAME="portal", SMTP_PASSWORD="s3cret")
    with app.app_context():
        send_mail("ola@example.no", "Hei", "Hei")
    assert len(collector.envelopes) == 1


def test_smtp_does_not_send_in_the_clear_when_starttls_is_required(app_factory, smtp_server):
    controller, collector = smtp_server
    app = smtp_app(app_factory, controller)
    app.config["SMTP_STARTTLS"] = True  # the server offers no STARTTLS
    with app.app_context(), pytest.raises(smtplib.SMTPNotSupportedError):
        send_mail("ola@example.no", "Hei", "Hei")
    assert collector.envelopes == []


def test_file_backend_writes_one_eml_file_per_mail(app_factory, tmp_path):
    app = app_factory(MAIL_BACKEND="file", MAIL_DIRECTORY=str(tmp_path / "mail"))
    with app.app_context():
        send_mail(ADDRESS, "Første", "Én")
        send_mail(ADDRESS, "Andre", "To")
        mails = stored_mails()
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    message = message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert (message["Subject"], message.get_content()) == ("Første", "Én\n")
    assert [mail.subject for mail in mails] == ["Andre", "Første"]  # newest first


def test_the_log_says_a_mail_was_sent_but_not_to_whom_or_what(app_factory, tmp_path, caplog):
    app = app_factory(MAIL_BACKEND="file", MAIL_DIRECTORY=str(tmp_path))
    with app.app_context(), caplog.at_level(logging.DEBUG, logger="portal.notifications"):
        send_mail(ADDRESS, "Emnet", "Innholdet i e-posten")
    assert "sent" in caplog.text
    for secret in (ADDRESS, "Emnet", "Innholdet"):
        assert secret not in caplog.text


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_receipt_email_has_reference_and_link_and_no_identity_number(app_factory, language):
    app = app_factory()
    with app.app_context():
        subject, body = receipt_email(
            language=language, municipality_name="Eksempel kommune",
            reference="IP-2026-7KQ4-M9", receipt_url=RECEIPT_URL,
            what_next="Du får svar innen fire uker.",
        )
    assert "IP-2026-7KQ4-M9" in subject
    assert "IP-2026-7KQ4-M9" in body
    assert RECEIPT_URL in body
    assert "Du får svar innen fire uker." in body
    assert not re.search(r"\d{11}", subject + body)  # no identity number


def test_receipt_email_is_in_the_persons_language(app_factory):
    app = app_factory()
    with app.test_request_context("/?lang=nb"), app.app_context():
        subject, body = receipt_email(
            language="en", municipality_name="Eksempel kommune", reference="IP-2026-7KQ4-M9",
            receipt_url=RECEIPT_URL, what_next="",
        )
    assert subject == "Receipt IP-2026-7KQ4-M9 from Eksempel kommune"
    assert "Eksempel kommune has received your application." in body


def test_development_pages_list_and_show_sent_mail(app_factory, tmp_path):
    app = with_dev_mail(app_factory(MAIL_DIRECTORY=str(tmp_path)))
    with app.app_context():
        send_mail(ADDRESS, "Kvittering IP-2026-7KQ4-M9", "Hei!\nLenke: " + RECEIPT_URL)
        [mail] = stored_mails()
    client = app.test_client()
    listing = client.get("/utvikling/e-post?lang=en")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert ADDRESS in page
    assert f'href="/utvikling/e-post/{mail.name}"' in page
    shown = client.get(f"/utvikling/e-post/{mail.name}?lang=en").get_data(as_text=True)
    assert "<h1" in shown
    assert "Kvittering IP-2026-7KQ4-M9" in shown
    assert f"Lenke: {RECEIPT_URL}" in shown


def test_development_pages_open_only_listed_mail_files(app_factory, tmp_path):
    (tmp_path / "notes.eml").write_text("To: x@example.no\n\nnot from the portal")
    app = with_dev_mail(app_factory(MAIL_DIRECTORY=str(tmp_path)))
    client = app.test_client()
    assert client.get("/utvikling/e-post/notes.eml").status_code == 404
    assert client.get("/utvikling/e-post/..%2Fportal.db").status_code == 404
    assert "x@example.no" not in client.get("/utvikling/e-post").get_data(as_text=True)


def test_development_pages_do_not_exist_without_the_development_login(app_factory, tmp_path):
    app = with_dev_mail(app_factory(MAIL_DIRECTORY=str(tmp_path), DEV_LOGIN_ENABLED=False))
    with app.app_context():
        send_mail(ADDRESS, "Hei", "Hei")
        [mail] = stored_mails()
    client = app.test_client()
    assert client.get("/utvikling/e-post").status_code == 404
    assert client.get(f"/utvikling/e-post/{mail.name}").status_code == 404
