"""IP-portal: apply for an individual plan and a coordinator, and follow the case."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from portal.config import PROJECT_ROOT, environment, load_settings

# httpx imports its command-line client (httpx._main: rich and pygments, about 3 MB in every
# web and worker process) whenever click, rich and pygments are installed, and they are:
# Flask-Limiter needs rich. No process of ours runs that client; marked as absent, httpx
# defines its stand-in ``httpx.main`` instead (make bench, «memory: worker RSS after 1,000
# PDFs»). Python's import system reads None in sys.modules as "cannot be imported".
sys.modules.setdefault("httpx._main", None)


def create_app(
    test_config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(
        load_settings(environ or environment(), PROJECT_ROOT / "instance", test_config)
    )
    Path(app.instance_path).mkdir(exist_ok=True)  # the embedded database and mail live here
    app.url_map.converters["int"] = DatabaseIdConverter
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every route: an id that fits a database integer column, or a 404.

    Without the bound, /…/9223372036854775808 reached the database and failed there (a 500);
    schemathesis found it.
    """

    def __init__(self, url_map, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, **kwargs)


def _init_extensions(app: Flask) -> None:
    from portal import access, assets, i18n, request_guards, security, templating
    from portal.api import auth as api_auth
    from portal.complaints import flow as complaint_flow
    from portal.desk import receipts as desk_receipts
    from portal.documents import scanning
    from portal.extensions import babel, csrf, database, limiter, login_manager
    from portal.identity import crypto, idporten, rules, sessions
    from portal.queue.fiksio import accounts as fiks_io_accounts
    from portal.representation import acting

    request_guards.init_app(app)
    database.init_app(app)
    crypto.init_app(app)
    scanning.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(sessions.load_actor)
    idporten.init_app(app)
    rules.register()
    api_auth.register()
    complaint_flow.register()
    desk_receipts.register()
    fiks_io_accounts.register()
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    access.init_app(app)
    templating.init_app(app)
    acting.init_app(app)
    assets.init_app(app)  # last: WhiteNoise wraps the whole WSGI app, ProxyFix included


def _register_blueprints(app: Flask) -> None:
    from portal.api import case_list_views  # noqa: F401 (routes)
    from portal.api.admin_views import blueprint as api_admin
    from portal.api.views import blueprint as api
    from portal.applications import attachment_views, receipt_views  # noqa: F401 (routes)
    from portal.applications.views import blueprint as applications
    from portal.backoffice import worklist_views  # noqa: F401 (routes)
    from portal.backoffice.dead_letters import blueprint as dead_letters
    from portal.backoffice.views import blueprint as backoffice
    from portal.cases.status_views import blueprint as case_status
    from portal.cases.views import blueprint as my_cases
    from portal.complaints.views import blueprint as complaints
    from portal.consents.staff_views import blueprint as consent_records
    from portal.consents.views import blueprint as consents
    from portal.desk.views import blueprint as desk
    from portal.desk.visit_views import blueprint as desk_visit
    from portal.drafts.views import blueprint as drafts
    from portal.extensions import csrf, drop_idle_limiter_hook
    from portal.feedback.views import blueprint as feedback
    from portal.identity.admin_views import blueprint as staff_admin
    from portal.identity.staff_views import blueprint as staff_auth
    from portal.identity.views import blueprint as auth
    from portal.identity.views import callback
    from portal.info.views import blueprint as info
    from portal.municipalities.views import blueprint as municipalities
    from portal.municipalities.views import brand
    from portal.notifications.views import blueprint as dev_mail
    from portal.notifications.views import sms_blueprint as dev_sms
    from portal.queue.admin_views import blueprint as queue_admin
    from portal.queue.watch_views import blueprint as undelivered
    from portal.representation.review_views import blueprint as representation_review
    from portal.representation.views import blueprint as representation

    app.register_blueprint(municipalities)
    app.register_blueprint(brand)
    app.register_blueprint(info)
    app.register_blueprint(feedback)
    app.register_blueprint(applications)
    app.register_blueprint(drafts)
    app.register_blueprint(dev_mail)
    app.register_blueprint(dev_sms)
    app.register_blueprint(queue_admin)
    app.register_blueprint(api)
    app.register_blueprint(api_admin)
    app.register_blueprint(my_cases)
    app.register_blueprint(representation)
    app.register_blueprint(representation_review)
    app.register_blueprint(case_status)
    app.register_blueprint(complaints)
    app.register_blueprint(desk)
    app.register_blueprint(desk_visit)
    app.register_blueprint(consents)
    app.register_blueprint(consent_records)
    csrf.exempt(api)  # API clients authenticate with bearer tokens, not cookies
    app.register_blueprint(auth)
    app.register_blueprint(callback)
    app.register_blueprint(staff_auth)
    app.register_blueprint(staff_admin)
    app.register_blueprint(backoffice)
    app.register_blueprint(dead_letters)
    app.register_blueprint(undelivered)
    drop_idle_limiter_hook(app)  # last: a blueprint might bring limits of its own


def _register_cli(app: Flask) -> None:
    from portal.cli import portal_cli

    app.cli.add_command(portal_cli)
