"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``.

Each worker's threads share two malloc arenas (portal/memory.py), and each worker
compiles its templates and builds its validators before it serves (portal/warm.py).

Settings the portal refuses are printed as one message per problem and the process stops
(gunicorn then reports that the worker failed to boot): no traceback to read through.
"""

import sys

from portal import create_app
from portal.config import UnsafeConfigurationError
from portal.memory import limit_malloc_arenas
from portal.warm import warm_up

limit_malloc_arenas()  # before gunicorn starts this worker's threads

try:
    app = create_app()
except UnsafeConfigurationError as refused:
    print(refused.message, file=sys.stderr)  # noqa: T201 - before any logging is set up
    raise SystemExit(3) from None

warm_up(app)  # templates compiled, validators built: the first requests are as fast as the next
