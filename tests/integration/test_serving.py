"""Served light, as shipped: pages compressed by the application, static files fingerprinted,
pre-compressed and cached for ever, and a favicon (portal/assets.py). Not timed."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from portal import assets

ONE_YEAR_IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module", autouse=True)
def built_static_files():
    """The build `make assets` makes; made here too, so the test never depends on the order."""
    assets.build()


def stylesheets(page: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', page)


def test_pages_are_sent_with_brotli_to_browsers_that_accept_it(client):
    response = client.get("/eksempel/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    page = brotli.decompress(response.get_data()).decode()
    assert '<html lang="nb"' in page
    assert len(response.get_data()) < len(page.encode()) / 3
    assert response.headers["Cache-Control"] == "no-store"  # a page is still never cached


def test_pages_are_sent_with_gzip_when_brotli_is_not_accepted(client):
    response = client.get("/eksempel/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert '<html lang="nb"' in gzip.decompress(response.get_data()).decode()


def test_pages_are_sent_plain_without_accept_encoding(client):
    response = client.get("/eksempel/")
    assert "Content-Encoding" not in response.headers
    assert '<html lang="nb"' in response.get_data(as_text=True)


def test_pages_link_fingerprinted_stylesheets_and_the_favicon(client):
    page = client.get("/eksempel/").get_data(as_text=True)
    links = stylesheets(page)
    assert "/static/vendor/designsystemet.css" not in links
    assert any(re.fullmatch(r"/static/portal\.[0-9a-f]{12}\.css", link) for link in links)
    assert re.search(r'<link rel="icon" href="/static/favicon\.[0-9a-f]{12}\.ico"', page)


def test_fingerprinted_static_files_are_cached_for_ever_and_precompressed(client):
    page = client.get("/eksempel/").get_data(as_text=True)
    for link in stylesheets(page):
        if not link.startswith("/static/"):
            continue
        plain = client.get(link)
        assert plain.status_code == 200
        assert plain.headers["Cache-Control"] == ONE_YEAR_IMMUTABLE
        assert plain.headers["X-Content-Type-Options"] == "nosniff"
        for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
            response = client.get(link, headers={"Accept-Encoding": encoding})
            assert response.headers["Content-Encoding"] == encoding
            assert response.headers["Cache-Control"] == ONE_YEAR_IMMUTABLE
            assert decompress(response.get_data()) == plain.get_data()
        plain.close()


def test_plain_static_names_still_answer_with_a_short_cache(client):
    response = client.get("/static/portal.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == f"public, max-age={assets.PLAIN_MAX_AGE}"
    response.close()


def test_favicon_answers_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in {"image/vnd.microsoft.icon", "image/x-icon"}
    assert response.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    response.close()


def test_a_changed_file_gets_a_new_name():
    assert assets.fingerprinted("a/b.css", b"one") != assets.fingerprinted("a/b.css", b"two")
    assert assets.FINGERPRINTED.search(assets.fingerprinted("a/b.css", b"one"))


def test_without_a_build_the_plain_names_are_linked(app):
    """A fresh clone before `make assets`: Flask's own static route, nothing hashed."""
    with app.test_request_context("/"):
        assert assets.static_url_for(None)("portal.css") == "/static/portal.css"
        manifest = assets.load_manifest()
        assert assets.static_url_for(manifest)("portal.css") == f"/static/{manifest['portal.css']}"


def test_the_api_answers_uncompressed(client):
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
