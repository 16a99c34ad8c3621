"""The page-weight reference: what a citizen downloads to fill in a form in Open Forms.

Open Forms is the Dutch municipal form platform; its SDK (npm ``@open-formulieren/sdk``)
renders every form in the browser. The bundle the form page loads is
``dist/open-forms-sdk.js``; it is measured in the same run with the same compression as our
pages (gzip level 6). The package is fetched once with npm into bench/results/cache/; without
npm or the registry the figures measured on 2026-11-25 are used, and the table says so.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "@open-formulieren/sdk@3.3.0"
BUNDLE = "package/dist/open-forms-sdk.js"
CACHE = Path(__file__).resolve().parent / "results" / "cache"
# Measured from the package on 2026-11-25 (the issue quotes 3.7 MB and 1.05 MB gzipped).
KNOWN = (3_681_989, 1_045_689)


@dataclass(frozen=True)
class Reference:
    raw_bytes: int
    wire_bytes: int
    source: str


def open_forms_sdk(cache: Path = CACHE) -> Reference:
    try:
        tarball = _tarball(cache)
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(BUNDLE)
            body = member.read() if member else b""
        if not body:
            raise OSError(f"{BUNDLE} is not in {tarball.name}")
        wire = len(gzip.compress(body, compresslevel=6, mtime=0))
        return Reference(len(body), wire, f"{PACKAGE} {BUNDLE.removeprefix('package/')}, "
                                          "measured in this run")
    except (OSError, subprocess.SubprocessError, tarfile.TarError) as error:
        return Reference(*KNOWN, f"{PACKAGE}: figures from 2026-11-25 ({error})")


def _tarball(cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("open-formulieren-sdk-3.3.0.tgz"))
    if found:
        return found[0]
    npm = shutil.which("npm")
    if npm is None:
        raise OSError("npm is not installed")
    command = [npm, "pack", PACKAGE, "--silent", "--pack-destination", str(cache)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)  # noqa: S603 - fixed
    return next(cache.glob("open-formulieren-sdk-*.tgz"))
