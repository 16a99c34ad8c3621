"""``python -m portal.queue [--once]``: the background worker as its own service.

The same worker as ``flask --app portal portal worker``, started without the ``flask``
command. That command imports the command-line plugins of every installed Flask extension
before it runs one (Flask-Limiter's brings the terminal library rich, about 3 MB resident
that the worker never uses); a long-running worker should not carry them.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m portal.queue",
        description="Run the background worker until stopped (SIGTERM or Ctrl+C).")
    parser.add_argument("--once", action="store_true", help="Run every job once, then stop.")
    arguments = parser.parse_args(argv)

    from portal import create_app
    from portal.queue.worker import serve

    app = create_app()
    with app.app_context():
        serve(app, once=arguments.once)


if __name__ == "__main__":
    main()
