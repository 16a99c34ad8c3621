"""Flask extensions, created here unbound and bound to an app in ``create_app``."""

from flask import Flask
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager

from portal.csrf import MaskedCSRFProtect
from portal.db import Database

babel = Babel()
# Pages (and the brand CSS, the API's JSON) compressed by the application itself, so that a
# first visit is as light without a proxy in front as with one (portal.assets for the files).
compress = Compress()
csrf = MaskedCSRFProtect()  # tokens masked for every response (portal/csrf.py)
database = Database()
login_manager = LoginManager()
login_manager.session_protection = None  # sessions are checked on the server (UserSession)
# Limits are declared on the views that need them (login, look-ups); storage comes from
# RATELIMIT_STORAGE_URI so that several web processes can share one count (e.g. Redis).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def drop_idle_limiter_hook(app: Flask) -> None:
    """Once the blueprints are registered: check before each request only what needs it.

    Every limit of ours is declared on its view (``@limiter.limit``), and Flask-Limiter checks
    such a limit in the view's own wrapper, as the view is called. Its hook before every
    request checks the application's, the default and the blueprints' limits, of which
    there are none: the look alone was a tenth of an information page's time (make bench,
    «throughput»). The hook stays as soon as there is something for it to check.
    """
    hooks = app.before_request_funcs.get(None, [])
    # Not there at all when RATELIMIT_ENABLED is off: Flask-Limiter then adds no hooks.
    if limiter._check_request_limit in hooks and not limits_before_each_request(limiter):
        hooks.remove(limiter._check_request_limit)


def limits_before_each_request(bound: Limiter) -> bool:
    """Whether a bound limiter has limits that only its before-request hook checks."""
    manager = bound.limit_manager
    return bool(manager._application_limits or manager._default_limits
                or manager._blueprint_limits or bound._meta_limits)
