"""A citizen in a browser without JavaScript: log in with TestID, fill in every step, send.

The same flow drives Flask's test client (the smoke test), an ``httpx`` client (page weight,
memory) and locust's client (the submit benchmark), through a small ``Browser`` adapter. It
never runs a script, so a completed application also shows that no script is needed.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from portal.identity.nin import NinKind, generate_valid_nin

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
REFERENCE = re.compile(r"\b(?:IP|EIP)-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{2}\b")
# Each step's answers, by the step's last path segment (portal/applications/steps.py).
ANSWERS = {
    "hvem": {"for_whom": "self"},
    "hva": {"request": "ip_and_coordinator"},
    "tjenester": {"services": ["home-nursing", "physiotherapy"], "other_services": ""},
    "behov": {"needs": "Help to get home nursing and physiotherapy to talk together.",
              "goals": "Walk to the shop on my own by summer."},
    "onsker": {"known_coordinator": "", "contact_method": "phone", "interpreter": "no",
               "interpreter_language": "", "adaptation": ""},
    "samtykke": {"consent_planning": "y", "sharing": ["gp", "home_services"],
                 "consent_version": "eksempel-2026-12-01"},
    "vedlegg": {"action": "continue"},  # no attachments
}
MAX_STEPS = 20


@dataclass(frozen=True)
class Page:
    status: int
    text: str
    location: str = ""
    wire_bytes: int = 0  # status line, headers and body as the server sent them


# What a browser says it takes (Chromium, Firefox): the server picks one.
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"


def http_wire_bytes(status: int, headers, body_bytes: int) -> int:
    """Bytes on an HTTP/1.1 connection: the status line, each header line, the blank line
    and the body as sent (compressed when the server compressed it)."""
    lines = sum(len(name) + 2 + len(value) + 2 for name, value in headers)
    return len(f"HTTP/1.1 {status} XX\r\n") + lines + 2 + body_bytes


class Browser(Protocol):
    def get(self, path: str, name: str | None = None) -> Page: ...

    def post(self, path: str, data: dict, name: str | None = None) -> Page: ...


class FlowError(RuntimeError):
    pass


@dataclass
class Application:
    """What one citizen did: the draft's steps, and the final POST's time and outcome."""

    step_paths: list[str] = field(default_factory=list)
    submit_started: float = 0.0  # time.time() when the final POST was sent
    submit_seconds: float = 0.0
    reference: str = ""


def synthetic_nin(number: int) -> str:
    """A distinct synthetic (Tenor-style) identity number for each citizen number."""
    birth = date(1950, 1, 1) + timedelta(days=number % 18000)
    return generate_valid_nin(birth, kind=NinKind.SYNTHETIC, individual=499 - number // 18000)


def csrf_token(page: Page) -> str:
    match = CSRF.search(page.text)
    if not match:
        raise FlowError("the page has no CSRF token")
    return match.group(1)


def submit_form(browser: Browser, path: str, data: dict, name: str | None = None) -> str:
    """GET the form for its token, POST it, and return where the redirect goes."""
    token = csrf_token(expect(browser.get(path, name), 200, path))
    response = expect(browser.post(path, {"csrf_token": token, **data}, name), 302, path)
    return response.location


def expect(page: Page, status: int, path: str) -> Page:
    if page.status != status:
        errors = re.findall(r'class="ds-validation-message"[^>]*>(.*?)</p>', page.text)
        raise FlowError(f"{path}: {page.status}, expected {status}: {errors or page.text[:200]}")
    return page


def log_in(browser: Browser, nin: str, name: str, slug: str = "eksempel") -> None:
    submit_form(browser, f"/{slug}/testid", {"person": "other", "nin": nin, "name": name},
                name="testid")


def apply(browser: Browser, slug: str = "eksempel", send: bool = True) -> Application:
    """Start an application for oneself, answer every step, and (if ``send``) send it."""
    done = Application()
    path = local(submit_form(browser, f"/{slug}/ny/ip_application", {}, name="start"))
    while not path.endswith("/sjekk"):
        step = path.rsplit("/", 1)[-1]
        if step not in ANSWERS or len(done.step_paths) >= MAX_STEPS:
            raise FlowError(f"no answers for the step {path}")
        done.step_paths.append(path)
        path = local(submit_form(browser, path, ANSWERS[step], name="step"))
    done.step_paths.append(path)  # check your answers
    if send:
        _send(browser, path, done)
    return done


def _send(browser: Browser, check: str, done: Application) -> None:
    token = csrf_token(expect(browser.get(check, "check"), 200, check))
    pause = getattr(browser, "pause", None)  # a virtual citizen's pause: before the timer
    if pause is not None:
        pause()
    done.submit_started = time.time()
    started = time.perf_counter()
    sent = expect(browser.post(check, {"csrf_token": token}, "submit"), 302, check)
    done.submit_seconds = time.perf_counter() - started
    receipt = expect(browser.get(local(sent.location), "sent"), 200, sent.location)
    found = REFERENCE.search(receipt.text)
    done.reference = found.group(0) if found else ""


def decoded(body: bytes, encoding: str) -> bytes:
    """A body as sent, decompressed (the test client, unlike httpx, does not)."""
    import gzip

    import brotli

    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    return body


def local(location: str) -> str:
    """A redirect's path (Flask may send an absolute URL)."""
    return re.sub(r"^https?://[^/]+", "", location)


class FlaskBrowser:
    """Flask's test client as a Browser (the smoke test, in-process)."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, path: str, name: str | None = None) -> Page:
        response = self.client.get(path, headers={"Accept-Encoding": BROWSER_ACCEPT_ENCODING})
        sent = response.get_data()
        wire = http_wire_bytes(response.status_code, response.headers.items(), len(sent))
        text = decoded(sent, response.headers.get("Content-Encoding", "")).decode()
        return Page(response.status_code, text, response.headers.get("Location", ""), wire)

    def post(self, path: str, data: dict, name: str | None = None) -> Page:
        response = self.client.post(path, data=data)
        return Page(response.status_code, response.get_data(as_text=True),
                    response.headers.get("Location", ""))


class HttpxBrowser:
    """An ``httpx.Client`` with a base URL as a Browser (against gunicorn)."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, path: str, name: str | None = None) -> Page:
        response = self.client.get(path, headers={"Accept-Encoding": BROWSER_ACCEPT_ENCODING})
        wire = http_wire_bytes(response.status_code, response.headers.multi_items(),
                               response.num_bytes_downloaded)
        return Page(response.status_code, response.text, response.headers.get("location", ""),
                    wire)

    def post(self, path: str, data: dict, name: str | None = None) -> Page:
        response = self.client.post(path, data=data)
        return Page(response.status_code, response.text, response.headers.get("location", ""))
