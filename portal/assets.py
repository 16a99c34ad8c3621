"""Static files as served: fingerprinted names, compressed once at build time, cached for ever.

``make assets`` runs ``python -m portal.assets`` after copying Designsystemet's CSS: every file
under ``static/`` is copied to ``build/static/`` under its own name and under a name with a hash
of its content (``portal.3f2a9c1b7d4e.css``), ``manifest.json`` maps one to the other, and
WhiteNoise's compressor writes a ``.gz`` and a ``.br`` beside each text file. The application
then serves that folder through WhiteNoise (`init_app`), which answers with the pre-compressed
file the browser accepts. A fingerprinted name changes whenever its content does, so it may be
cached as ``public, max-age=31536000, immutable`` (RFC 8246); the plain names stay, with a short
cache, for a stale page or a link from outside. ``/favicon.ico`` is served from the same folder.

Without a build (a fresh clone before ``make assets``) the application falls back to Flask's own
static route with the plain names, so nothing breaks; only the caching and compression are lost.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask, url_for
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from portal.config import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "static"
BUILD = PROJECT_ROOT / "build" / "static"
MANIFEST = "manifest.json"
FAVICON = "favicon.ico"
ONE_YEAR = 31_536_000
PLAIN_MAX_AGE = 300  # a plain (unfingerprinted) name may change at the next deployment
# name.<12 hex digits>.ext, as `fingerprinted` writes them
FINGERPRINTED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
SKIPPED = frozenset({".installed"})


def fingerprinted(relative: str, content: bytes) -> str:
    path = Path(relative)
    digest = hashlib.sha256(content).hexdigest()[:12]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def build(source: Path = SOURCE, target: Path = BUILD) -> dict[str, str]:
    """Copy, fingerprint and compress ``source`` into ``target``; return the manifest."""
    if target.exists():
        shutil.rmtree(target)
    manifest: dict[str, str] = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file() and p.name not in SKIPPED):
        relative = path.relative_to(source).as_posix()
        content = path.read_bytes()
        manifest[relative] = fingerprinted(relative, content)
        for name in (relative, manifest[relative]):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(content)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    compressor = Compressor(quiet=True)
    for path in sorted(target.rglob("*")):
        if path.is_file() and path.name != MANIFEST and compressor.should_compress(path.name):
            compressor.compress(str(path))
    return manifest


def load_manifest(target: Path = BUILD) -> dict[str, str] | None:
    try:
        return json.loads((target / MANIFEST).read_text())
    except FileNotFoundError:
        return None


def is_fingerprinted(path: str, url: str) -> bool:
    """WhiteNoise's ``immutable_file_test``: only names that carry their content's hash."""
    return bool(FINGERPRINTED.search(url))


def _security_headers(headers, path: str, url: str) -> None:
    # The pages' own headers (portal.security) never reach files that WhiteNoise answers.
    from portal.security import CONTENT_SECURITY_POLICY

    headers["X-Content-Type-Options"] = "nosniff"
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if FINGERPRINTED.search(url):
        headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        headers["Cache-Control"] = f"public, max-age={PLAIN_MAX_AGE}"


def static_url_for(manifest: dict[str, str] | None) -> Callable[[str], str]:
    def static_url(filename: str) -> str:
        name = manifest.get(filename, filename) if manifest else filename
        return url_for("static", filename=name)

    return static_url


# Flask-Compress, for what the application renders for browsers: brotli for those that take
# it, else gzip; never zstd (few browsers) and never a streamed response (the PDFs come whole).
# Not the API's JSON: back-office clients fetch small answers, and a WSGI test transport
# (schemathesis) does not decode brotli.
COMPRESSION = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/plain", "image/svg+xml"],
}


def init_compression(app: Flask) -> None:
    from portal.extensions import compress

    for name, value in COMPRESSION.items():
        app.config.setdefault(name, value)
    compress.init_app(app)


def init_app(app: Flask, target: Path = BUILD) -> None:
    """Serve ``target`` (the build) in front of the application, and give templates
    ``static_url(filename)``: the fingerprinted name when there is a build."""
    init_compression(app)
    manifest = load_manifest(target)
    app.jinja_env.globals["static_url"] = static_url_for(manifest)
    if manifest is None:
        return
    whitenoise = WhiteNoise(app.wsgi_app, root=str(target), prefix="static/", max_age=ONE_YEAR,
                            immutable_file_test=is_fingerprinted,
                            add_headers_function=_security_headers)
    favicon = target / FAVICON
    if favicon.exists():
        whitenoise.add_file_to_dictionary("/" + FAVICON, str(favicon), stat_cache=None)
    app.wsgi_app = whitenoise


if __name__ == "__main__":
    files = build()
    print(f"portal.assets: {len(files)} files fingerprinted and compressed in {BUILD}",  # noqa: T201
          file=sys.stderr)
