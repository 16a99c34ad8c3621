"""Reading the text of a PDF in tests, with Debian's pdftotext (poppler-utils)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def pdf_text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":  # CI installs every tool
            pytest.fail("pdftotext is not installed (apt-get install -y poppler-utils)")
        pytest.skip("pdftotext is not installed (apt-get install -y poppler-utils)")
    return subprocess.run([tool, "-", "-"], input=pdf, capture_output=True,  # noqa: S603
                          check=True).stdout.decode()
