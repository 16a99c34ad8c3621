"""Flask extensions, created here unbound and bound to an app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from portal.db import Database

babel = Babel()
csrf = CSRFProtect()
database = Database()
# Limits are declared on the views that need them (login, look-ups); storage comes from
# RATELIMIT_STORAGE_URI so that several web processes can share one count (e.g. Redis).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
