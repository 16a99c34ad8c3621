"""SMS to citizens: through an HTTP gateway, written to files in development, or not at all.

``SMS_BACKEND`` picks how: ``"http"`` (POST ``{"to", "text"}`` as JSON to ``SMS_GATEWAY_URL``
with the bearer token ``SMS_GATEWAY_TOKEN``), ``"file"`` (one .json file per message in
``SMS_DIRECTORY``, shown at /utvikling/sms in development) or ``"none"`` (dropped: for a
municipality that sends no SMS). Like e-mail, an SMS is not a secure channel: it says *that*
something happened and links to the portal. Numbers and texts are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from flask import current_app

from portal import clock

log = logging.getLogger(__name__)

BACKENDS = ("http", "file", "none")
# The names the file backend gives its files; the development page shows only these.
SMS_FILE_NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.json")


class SmsGatewayError(RuntimeError):
    """The gateway did not take the message; the worker retries the task later."""


def send_sms(to: str, text: str) -> None:
    """Send one SMS with the configured backend."""
    backend = current_app.config.get("SMS_BACKEND", "file")
    if backend == "http":
        _send_http(to, text)
    elif backend == "file":
        _write_file(to, text)
    elif backend == "none":
        log.info("SMS dropped: the SMS backend is none")
        return
    else:
        raise ValueError(f"SMS_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    log.info("SMS sent with the %s backend", backend)


def _http_client() -> httpx.Client:
    """A client for one message; a function so that tests can give a mock transport."""
    return httpx.Client(follow_redirects=False)


def _send_http(to: str, text: str) -> None:
    config = current_app.config
    url, token = config.get("SMS_GATEWAY_URL"), config.get("SMS_GATEWAY_TOKEN")
    if not url or not token:
        raise SmsGatewayError("SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN must be set")
    timeout = httpx.Timeout(float(config.get("SMS_TIMEOUT_SECONDS", 10.0)))
    with _http_client() as http:
        response = http.post(url, json={"to": to, "text": text}, timeout=timeout,
                             headers={"Authorization": f"Bearer {token}"})
    if not response.is_success:
        # The status only: the gateway's answer may repeat the number or the text.
        raise SmsGatewayError(f"the SMS gateway answered {response.status_code}")


def sms_directory() -> Path:
    configured = current_app.config.get("SMS_DIRECTORY")
    return Path(configured) if configured else Path(current_app.instance_path) / "sms"


def _write_file(to: str, text: str) -> None:
    directory = sms_directory()
    directory.mkdir(parents=True, exist_ok=True)
    now = clock.utcnow()
    path = directory / f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}.json"
    record = {"to": to, "text": text, "sent_at": now.isoformat()}
    with path.open("x", encoding="utf-8") as file:  # "x": never overwrite another message
        json.dump(record, file, ensure_ascii=False)


# Reading the file backend back: for tests and the development page.


@dataclass(frozen=True)
class StoredSms:
    name: str
    sent_at: datetime | None
    to: str
    text: str


def stored_sms() -> list[StoredSms]:
    """The messages the file backend wrote, newest first."""
    directory = sms_directory()
    if not directory.is_dir():
        return []
    paths = [path for path in directory.iterdir() if SMS_FILE_NAME.fullmatch(path.name)]
    return [_read(path) for path in sorted(paths, key=lambda path: path.name, reverse=True)]


def _read(path: Path) -> StoredSms:
    record = json.loads(path.read_text(encoding="utf-8"))
    sent_at = record.get("sent_at")
    return StoredSms(name=path.name, sent_at=datetime.fromisoformat(sent_at) if sent_at else None,
                     to=str(record.get("to", "")), text=str(record.get("text", "")))
