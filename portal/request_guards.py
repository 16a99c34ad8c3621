"""Requests no page can answer well, turned away with a clear 400 before any view runs.

The outside sweep's fuzzing found three families of 500s, each fixed here once for every
route rather than in each view:

- a NUL byte (``%00``) in the path, the query or a form field: PostgreSQL refuses text with
  NUL in it, so the first query failed. Uploaded files may hold any bytes and are not looked at.
- an integer query argument too large for a database integer (``?etter=`` with 400
  digits): read them with ``id_arg``, which answers 400 for anything but a positive id.
- JSON nested 50,000 levels deep: Python's parser ran out of stack. ``GuardedRequest`` refuses
  bodies nested deeper than ``MAX_JSON_DEPTH`` before parsing, and strings with NUL after it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Request, abort, request
from werkzeug.exceptions import BadRequest

MAX_DATABASE_ID = 2**31 - 1
MAX_JSON_DEPTH = 32
NUL = "\x00"
# A JSON string (skipped whole, so brackets inside it do not count) or a bracket.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class GuardedRequest(Request):
    """Flask's request, with a depth limit and a NUL check on JSON bodies."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if force or self.is_json:
            data = self.get_data(cache=cache)
            if json_depth(data) > MAX_JSON_DEPTH:
                raise BadRequest(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
        body = super().get_json(force=force, silent=silent, cache=cache)
        if _holds_nul(body):
            raise BadRequest("The JSON holds a NUL character (\\u0000).")
        return body


def json_depth(data: bytes) -> int:
    """How deeply the JSON text nests arrays and objects (not validating it otherwise)."""
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(data):
        bracket = token[0]
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in (b"]", b"}"):
            depth -= 1
    return deepest


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def refuse_nul_bytes(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An app-wide URL value preprocessor: it runs before the municipality is looked up."""
    texts = [request.path, *(values or {}).values()]
    texts += [text for pair in request.args.items(multi=True) for text in pair]
    if request.method in ("POST", "PUT", "PATCH") and not request.is_json:
        texts += [text for pair in request.form.items(multi=True) for text in pair]
    if any(isinstance(text, str) and NUL in text for text in texts):
        abort(400)


def id_arg(name: str) -> int | None:
    """A query argument that holds a database id: None when absent, 400 when it is not one."""
    text = request.args.get(name)
    if text is None or text == "":
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        abort(400)
    value = int(text)
    if not 1 <= value <= MAX_DATABASE_ID:
        abort(400)
    return value


def init_app(app: Flask) -> None:
    app.request_class = GuardedRequest
    app.url_value_preprocessor(refuse_nul_bytes)
