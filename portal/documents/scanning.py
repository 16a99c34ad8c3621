"""Virus scanning of every upload, before anything is stored: a small pluggable interface.

``PORTAL_SCANNER`` picks the scanner: ``clamd`` (ClamAV's daemon, Debian's
``clamav-daemon``, at ``PORTAL_CLAMD_ADDRESS``: ``unix:/path`` or ``tcp:host:port``) or
``none`` (development and tests only; production refuses it). A scanner answers clean or
infected, or raises ``ScannerUnavailableError``: then the upload is refused with a "try again
later" (fail closed, never open). ``check_clean`` remembers each verdict for the rest of the
request, so the upload field and ``store_attachment`` do not scan the same bytes twice.

The clamd protocol (clamd(8), "INSTREAM"): send ``zINSTREAM\\0``, then the file in chunks,
each preceded by its length as a 4-byte big-endian number, then a zero length; clamd answers
``stream: OK``, ``stream: <signature> FOUND`` or ``<problem> ERROR``, ended by a NUL byte.
"""

from __future__ import annotations

import hashlib
import socket
import struct
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app, g, has_request_context

CHUNK_BYTES = 64 * 1024
MAX_REPLY_BYTES = 4096
SCANNERS = ("clamd", "none")


class ScannerUnavailableError(Exception):
    """The scanner could not give a verdict (down, too slow, or it said ERROR)."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""  # what the scanner found, when not clean


class Scanner(Protocol):
    def scan(self, data: bytes) -> Verdict: ...


class NoScanner:
    """Takes every file: for development and tests without clamd. Refused in production."""

    def scan(self, data: bytes) -> Verdict:
        return Verdict(clean=True)


@dataclass(frozen=True)
class ClamdScanner:
    address: str
    timeout_seconds: float = 30.0

    def scan(self, data: bytes) -> Verdict:
        try:
            with self._connect() as connection:
                connection.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), CHUNK_BYTES):
                    chunk = data[start:start + CHUNK_BYTES]
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                connection.sendall(struct.pack("!L", 0))
                reply = _read_reply(connection)
        except OSError as error:  # refused, no such socket, timed out, closed early
            raise ScannerUnavailableError(f"clamd at {self.address}: {error}") from error
        return parse_reply(reply)

    def _connect(self) -> socket.socket:
        family, target = parse_address(self.address)
        connection = socket.socket(family, socket.SOCK_STREAM)
        connection.settimeout(self.timeout_seconds)
        try:
            connection.connect(target)
        except OSError:
            connection.close()
            raise
        return connection


def parse_address(address: str) -> tuple[socket.AddressFamily, str | tuple[str, int]]:
    """``unix:/run/clamav/clamd.ctl`` (or a bare path), or ``tcp:127.0.0.1:3310``."""
    if address.startswith("unix:") or address.startswith("/"):
        return socket.AF_UNIX, address.removeprefix("unix:")
    host, _, port = address.removeprefix("tcp:").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"not a clamd address: {address!r} (unix:/path or tcp:host:port)")
    return socket.AF_INET, (host.strip("[]"), int(port))


def _read_reply(connection: socket.socket) -> bytes:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < MAX_REPLY_BYTES:
        part = connection.recv(MAX_REPLY_BYTES)
        if not part:
            break
        reply += part
    return reply


def parse_reply(reply: bytes) -> Verdict:
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    _, _, result = text.partition(": ")
    if result == "OK":
        return Verdict(clean=True)
    if result.endswith(" FOUND"):
        return Verdict(clean=False, signature=result.removesuffix(" FOUND"))
    raise ScannerUnavailableError(f"clamd answered {text[:200]!r}")


def check_clean(scanner: Scanner, data: bytes) -> Verdict:
    """The verdict on these bytes, scanned once per request."""
    digest = hashlib.sha256(data).hexdigest()
    verdicts = g.setdefault("scan_verdicts", {}) if has_request_context() else {}
    if digest not in verdicts:
        verdicts[digest] = scanner.scan(data)
    return verdicts[digest]


def scanner_from(config) -> Scanner:
    if config.get("SCANNER", "none") == "clamd":
        return ClamdScanner(config["CLAMD_ADDRESS"], float(config["SCANNER_TIMEOUT_SECONDS"]))
    return NoScanner()


def init_app(app: Flask) -> None:
    app.extensions["portal.scanner"] = scanner_from(app.config)


def current_scanner() -> Scanner:
    return current_app.extensions["portal.scanner"]
