"""Flask extensions, created here unbound and bound to an app in ``create_app``."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from portal.db import Database

babel = Babel()
# Pages (and the brand CSS, the API's JSON) compressed by the application itself, so that a
# first visit is as light without a proxy in front as with one (portal.assets for the files).
compress = Compress()
csrf = CSRFProtect()
database = Database()
login_manager = LoginManager()
login_manager.session_protection = None  # sessions are checked on the server (UserSession)
# Limits are declared on the views that need them (login, look-ups); storage comes from
# RATELIMIT_STORAGE_URI so that several web processes can share one count (e.g. Redis).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
