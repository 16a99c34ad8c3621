"""Work each web process would otherwise do on its first request of each kind, done at start.

Jinja compiles a template the first time it is rendered, and the submission schemas' validators
(jsonschema, imported only when needed so that the worker never loads it) are built at the first
submission. In a new gunicorn worker that made the first citizen to send an application wait
about 50 ms longer than the next (make bench, «final POST p95»), and the first visitor of each
page a few ms. ``wsgi.py`` calls :func:`warm_up` once per worker, before it serves; it takes
about half a second and 6 MB.
"""

from __future__ import annotations

import re

from flask import Flask

SCHEMA_NAME = re.compile(r"(?P<kind>\w+)\.v(?P<version>\d+)\.json")


def warm_up(app: Flask) -> dict[str, int]:
    """Compile every template and build every payload validator; returns how many of each."""
    from portal.applications.payloads import SCHEMAS, validator

    environment = app.jinja_env
    templates = environment.list_templates()
    for name in templates:
        environment.get_template(name)  # compiled and kept in the environment's cache
    validators = 0
    for path in sorted(SCHEMAS.glob("*.json")):
        named = SCHEMA_NAME.fullmatch(path.name)
        if named and named["kind"] != "common":  # common.v1.json holds shared parts only
            validator(named["kind"], int(named["version"]))
            validators += 1
    return {"templates": len(templates), "validators": validators}
