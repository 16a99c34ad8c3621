"""The processes under test: gunicorn as the README deploys it, the worker, and a bare Flask app.

Every server runs with the same gunicorn configuration (two workers, four threads each), so
that the bare "hello" endpoint is a fair ceiling for the portal's pages. Processes are started
in their own process group and stopped by their own id only.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

# Not resolved: a bench/ linked into another checkout serves that checkout.
PROJECT = Path(os.path.abspath(__file__)).parent.parent
BIN = Path(sys.executable).parent
GUNICORN_ARGS = ("--workers", "2", "--threads", "4", "--worker-class", "gthread")


@dataclass(frozen=True)
class Keys:
    """One run's secrets, shared by every process so that a cookie or a payload made by one
    can be read by the others. Random each run: the bench database is reset each run too."""

    secret: str
    data: str

    @classmethod
    def new(cls) -> Keys:
        return cls(secrets.token_urlsafe(36), secrets.token_urlsafe(36))

    def data_keys(self):
        """The keys the portal derives from ``data``, for seeding ciphertexts directly."""
        from portal.identity.crypto import DataKeys

        return DataKeys.derive(self.data)


def production_environ(database_url: str, keys: Keys) -> dict[str, str]:
    """The production profile with every refusal satisfied (config.refuse_unsafe_production)."""
    return {
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": keys.secret,
        "PORTAL_DATA_KEY": keys.data,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SESSION_COOKIE_SECURE": "1",
        "PORTAL_DEV_LOGIN": "0",
        "PORTAL_MAIL_BACKEND": "smtp",
        "PORTAL_SMS_BACKEND": "none",
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": "2525",  # nothing listens: no e-mail leaves the machine
        "PORTAL_PUBLIC_URL": "https://portal.bench.invalid",
        "PORTAL_WORKER_POLL_SECONDS": "1",
        # The bench has no Redis: its two gunicorn workers each count rate limits in memory.
        # No figure here depends on a rate limit; a deployment must use redis:// instead.
        "PORTAL_SINGLE_PROCESS": "1",
        # Nothing is uploaded to this server (the TestID server takes the applications): an
        # address where no clamd listens would refuse uploads, never let one through.
        "PORTAL_CLAMD_ADDRESS": "unix:/nonexistent/clamd.sock",
    }


def testid_environ(database_url: str, keys: Keys, mail_directory: Path) -> dict[str, str]:
    """Production minus what TestID needs: the development profile with its login on, on the
    same PostgreSQL and with the same keys (the production profile refuses TestID)."""
    return {
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": keys.secret,
        "PORTAL_DATA_KEY": keys.data,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_DEV_LOGIN": "1",
        "PORTAL_MAIL_BACKEND": "file",
        "PORTAL_MAIL_DIRECTORY": str(mail_directory),
        "PORTAL_SMS_BACKEND": "none",
        "PORTAL_HSTS": "1",
    }


def clean_environ(extra: dict[str, str]) -> dict[str, str]:
    """The process environment without anyone's PORTAL_* settings, plus ``extra``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return {**base, **extra, "PYTHONPATH": str(PROJECT)}


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base_url: str

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(args: list[str], environ: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own commands
            args, cwd=PROJECT, env=clean_environ(environ), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to the process group this process leads (it was started in a new session)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def gunicorn(name: str, app: str, environ: dict[str, str], logs: Path,
             ready_path: str = "/"):
    """Serve ``app`` (``module:variable``) with the production gunicorn settings."""
    port = free_port()
    args = [str(BIN / "gunicorn"), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{port}", app]
    process = start_process(args, environ, logs / f"{name}.log")
    server = Server(name, process, f"http://127.0.0.1:{port}")
    try:
        wait_until_ready(server, ready_path, logs / f"{name}.log")
        yield server
    finally:
        stop_process(process)


def wait_until_ready(server: Server, path: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} stopped at start; see {log}:\n"
                               + log.read_text(errors="replace")[-2000:])
        try:
            answered = httpx.get(server.base_url + path, timeout=2).status_code < 500
            if answered and len(server.worker_pids()) >= 2:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer within {timeout:.0f} s; see {log}")


def children(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmRSS for process {pid}")
