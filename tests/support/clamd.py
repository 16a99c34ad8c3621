"""A real ClamAV daemon for the tests, with a signature database the tests build themselves.

Official signatures cannot be downloaded here (and need not be): the database holds one body
signature, the EICAR anti-virus test file's, which every scanner treats as a virus. clamd is
Debian's ``clamav-daemon`` (``.ci/run`` installs it); each instance runs in the foreground
with its own configuration, socket and database in a temporary folder, so a system clamd (or
its missing signatures) never matters. A test can stop its own instance to see that uploads
fail closed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# The EICAR test file (eicar.org), in two halves so that this source file is no "virus".
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
SIGNATURE_NAME = "Portal-Test.EICAR"
# A PDF that carries the EICAR string: a type the portal takes, so that only the scanner can
# refuse it (a bare EICAR file would be refused as the wrong type too).
EICAR_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + EICAR + b"\n%%EOF\n"
CLEAN_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
START_SECONDS = 30


def clamd_path() -> str | None:
    found = os.environ.get("PORTAL_CLAMD") or shutil.which("clamd") or "/usr/sbin/clamd"
    return found if Path(found).exists() else None


def require_clamd() -> str:
    path = clamd_path()
    if path is None:
        if os.environ.get("PORTAL_REQUIRE_CLAMD") == "1":
            pytest.fail("PORTAL_REQUIRE_CLAMD=1 but clamd is not installed")
        pytest.skip("Virus-scanning tests skipped: install ClamAV's daemon "
                    "(apt-get install -y clamav-daemon)")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Clamd:
    """One clamd process, listening on a unix socket and on a TCP port of 127.0.0.1."""

    folder: Path
    executable: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def socket_path(self) -> Path:
        return self.folder / "clamd.sock"

    @property
    def address(self) -> str:
        return f"unix:{self.socket_path}"

    @property
    def tcp_address(self) -> str:
        return f"tcp:127.0.0.1:{self.port}"

    def start(self) -> Clamd:
        database = self.folder / "db"
        database.mkdir(parents=True, exist_ok=True)
        # A body signature (ClamAV's .ndb format): name, any file type, anywhere, hex bytes.
        (database / "portal-test.ndb").write_text(f"{SIGNATURE_NAME}:0:*:{EICAR.hex()}\n")
        config = self.folder / "clamd.conf"
        config.write_text("\n".join([
            f"LocalSocket {self.socket_path}", f"TCPSocket {self.port}", "TCPAddr 127.0.0.1",
            f"DatabaseDirectory {database}", f"LogFile {self.folder / 'clamd.log'}",
            "Foreground yes", "StreamMaxLength 30M", "MaxThreads 4", "",
        ]))
        self.process = subprocess.Popen(  # noqa: S603 - clamd with our own configuration
            [self.executable, "--config-file", str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_until_it_answers()
        return self

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.ping():
                return
            time.sleep(0.05)
        log = (self.folder / "clamd.log")
        self.stop()
        pytest.fail("clamd did not start: " + (log.read_text()[-2000:] if log.exists() else ""))

    def ping(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as connection:
                connection.settimeout(1)
                connection.connect(str(self.socket_path))
                connection.sendall(b"zPING\0")
                return connection.recv(16).startswith(b"PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
