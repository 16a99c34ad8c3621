"""E-mail to citizens: sent over SMTP, or written to files in development and tests.

``MAIL_BACKEND`` picks how: ``"smtp"`` (``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USERNAME``,
``SMTP_PASSWORD``, ``SMTP_STARTTLS``) or ``"file"`` (one .eml file per mail in
``MAIL_DIRECTORY``, shown at /utvikling/e-post in development). E-mail is not a secure
channel: a mail says *that* something happened and links to the portal, never what a case is
about, and never an identity number. Mail bodies and addresses are never logged.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _

from portal import clock
from portal.i18n import in_language

log = logging.getLogger(__name__)

DEFAULT_FROM = "ikke-svar@ip-portal.invalid"
SMTP_TIMEOUT_SECONDS = 10
# The names the file backend gives its files; the development page shows only these.
MAIL_FILE_NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.eml")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text mail in UTF-8 with the configured backend."""
    message = _message(to, subject, body)
    backend = current_app.config.get("MAIL_BACKEND", "file")
    if backend == "smtp":
        _send_smtp(message)
    elif backend == "file":
        _write_file(message)
    else:
        raise ValueError(f"MAIL_BACKEND must be 'smtp' or 'file', not {backend!r}")
    log.info("Mail %s sent with the %s backend", message["Message-ID"], backend)


def _message(to: str, subject: str, body: str) -> EmailMessage:
    sender = current_app.config.get("MAIL_FROM") or DEFAULT_FROM
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.utcnow())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    # RFC 3834: an automatic message; well-behaved auto-responders do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host = config.get("SMTP_HOST", "localhost")
    port = int(config.get("SMTP_PORT", 587))
    with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config.get("SMTP_STARTTLS", True):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


def mail_directory() -> Path:
    configured = current_app.config.get("MAIL_DIRECTORY")
    return Path(configured) if configured else Path(current_app.instance_path) / "mail"


def _write_file(message: EmailMessage) -> None:
    directory = mail_directory()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{stamp}-{secrets.token_hex(4)}.eml"
    with path.open("xb") as file:  # "x": never overwrite another mail
        file.write(message.as_bytes())


# Reading the file backend back: the development page of sent mail.


@dataclass(frozen=True)
class StoredMail:
    name: str
    sent_at: datetime | None
    to: str
    subject: str
    body: str


def stored_mails() -> list[StoredMail]:
    """The mails the file backend wrote, newest first."""
    directory = mail_directory()
    if not directory.is_dir():
        return []
    paths = [path for path in directory.iterdir() if MAIL_FILE_NAME.fullmatch(path.name)]
    return [_read(path) for path in sorted(paths, key=lambda path: path.name, reverse=True)]


def stored_mail(name: str) -> StoredMail | None:
    """One stored mail by file name; only a name from the listing is ever opened."""
    return next((mail for mail in stored_mails() if mail.name == name), None)


def _read(path: Path) -> StoredMail:
    with path.open("rb") as file:
        message = BytesParser(policy=default_policy).parse(file)
    part = message.get_body(preferencelist=("plain",))
    date = message.get("Date")
    return StoredMail(
        name=path.name,
        sent_at=parsedate_to_datetime(date) if date else None,
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        body=part.get_content() if part is not None else "",
    )


# The mails the portal sends.


def receipt_email(
    *, language: str, municipality_name: str, reference: str, receipt_url: str, what_next: str,
    received: str | None = None,
) -> tuple[str, str]:
    """The receipt mail's (subject, body) in the person's language.

    It names no health details and no identity number: only the reference and a link to
    the receipt, which the person opens after logging in.
    """
    with in_language(language):
        subject = _("Receipt %(reference)s from %(municipality)s", reference=reference,
                    municipality=municipality_name)
        body = render_template(
            "email/receipt.txt",
            municipality_name=municipality_name,
            reference=reference,
            receipt_url=receipt_url,
            what_next=what_next,
            received=received,
        )
    return subject, body
