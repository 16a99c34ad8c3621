"""The worker's own entry point, ``python -m portal.queue``, as a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import prepare_database

# Runs the entry point as ``python -m`` does, then says which modules the process holds.
RUN_ONCE = """
import json, runpy, sys
sys.argv = ["portal.queue", "--once"]
runpy.run_module("portal.queue", run_name="__main__", alter_sys=True)
print(json.dumps(sorted(sys.modules)))
"""


def test_the_worker_runs_its_jobs_without_the_flask_commands_plugins(tmp_path):
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    prepare_database(url).dispose()
    environment = {**os.environ, "PORTAL_ENV": "test", "PORTAL_DATABASE_URL": url,
                   "PORTAL_MAIL_DIRECTORY": str(tmp_path / "mail")}
    done = subprocess.run([sys.executable, "-c", RUN_ONCE], env=environment,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Worker started with jobs: " in done.stderr
    assert "Worker stopped" in done.stderr
    assert " failed" not in done.stderr  # every job ran on the migrated database
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    assert "portal.queue.worker" in modules
    # What `flask --app portal portal worker` would have loaded: every extension's CLI
    # plugin, Flask-Limiter's with the terminal library rich.
    assert "flask_limiter.commands" not in modules
    assert not {name for name in modules if name == "rich" or name.startswith("rich.")}
