"""Each web process compiles its templates and builds its validators before it serves."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from portal.config import PROJECT_ROOT

# What a gunicorn worker holds once it has imported wsgi.py, before its first request.
AFTER_IMPORT = """
import gc, json, sys
import wsgi
from portal.applications.payloads import validator
environment = wsgi.app.jinja_env
print(json.dumps({"templates": len(environment.list_templates()),
                  "compiled": len(environment.cache),
                  "validators": validator.cache_info().currsize,
                  "jsonschema": "jsonschema" in sys.modules,
                  "frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}))
"""


def test_the_web_entry_point_is_warm_before_its_first_request(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", AFTER_IMPORT], cwd=PROJECT_ROOT, capture_output=True, text=True,
        env={**environment, "PORTAL_ENV": "test",
             "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}"},
        timeout=120, check=True)
    held = json.loads(done.stdout.splitlines()[-1])
    assert held["templates"] > 100
    assert held["compiled"] == held["templates"]  # every one, none left for a first visitor
    kinds = {path.name.split(".v")[0] for path in (PROJECT_ROOT / "portal" / "applications"
                                                  / "schemas").glob("*.json")} - {"common"}
    assert held["validators"] == len(kinds)
    assert held["jsonschema"]
    # What start-up made is out of the collector's way: a full collection walks the few
    # objects made since, not the hundred thousand that live as long as the process.
    assert held["frozen"] > 50_000
    assert held["tracked"] < held["frozen"] / 10


def test_the_worker_does_not_load_the_validators(tmp_path):
    """The warm-up is the web process's alone: the worker (``python -m portal.queue``) makes
    the same app and never validates a payload, so it never loads jsonschema."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    script = ("import sys; from portal import create_app; import portal.queue.__main__, "
              "portal.queue.worker; create_app(); print('jsonschema' in sys.modules)")
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
        env={**environment, "PORTAL_ENV": "test",
             "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}"},
        timeout=60, check=True)
    assert done.stdout.split()[-1] == "False"
