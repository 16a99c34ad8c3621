"""Absolute links to the portal, made from its configured address, never from the request.

A link that leaves the page (in a back-office API message, a webhook push, an e-mail, a
receipt PDF, the ID-porten redirect) must not follow the request's ``Host`` header: a request
to ``Host: evil.example`` made the API hand out ``http://evil.example/api/v1/attachments/1``.
``PORTAL_PUBLIC_URL`` is the address citizens and back offices use (https:// in production).
"""

from __future__ import annotations

from flask import current_app, url_for


def public_url_for(endpoint: str, **values) -> str:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return base + url_for(endpoint, _external=False, **values)
