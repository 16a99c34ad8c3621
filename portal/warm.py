"""Work each web process would otherwise do on its first request of each kind, done at start.

Jinja compiles a template the first time it is rendered, and the submission schemas' validators
(jsonschema, imported only when needed so that the worker never loads it) are built at the first
submission. In a new gunicorn worker that made the first citizen to send an application wait
about 50 ms longer than the next (make bench, «final POST p95»), and the first visitor of each
page a few ms. ``wsgi.py`` calls :func:`warm_up` once per worker, before it serves; it takes
about half a second and 6 MB.

Then everything the process holds at that point is moved out of the garbage collector's
sight (``gc.freeze``): those objects live as long as the process, yet each full collection
walked all 130,000 of them, about 30 ms during which no thread of the worker could answer
(make bench: a submission now and then took 60–70 ms instead of 22).
"""

from __future__ import annotations

import gc
import re

from flask import Flask

SCHEMA_NAME = re.compile(r"(?P<kind>\w+)\.v(?P<version>\d+)\.json")


def warm_up(app: Flask) -> dict[str, int]:
    """Compile every template and build every payload validator, then freeze what the
    process holds; returns how many templates and validators."""
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
    gc.collect()  # what start-up left as garbage goes now, not frozen with the rest
    gc.freeze()
    return {"templates": len(templates), "validators": validators}
