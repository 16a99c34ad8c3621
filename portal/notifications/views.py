"""Development only: the mails the file backend wrote, so you can read them in the browser.

Both pages answer 404 unless the development login is on (development and test), the same
switch that production refuses; a mail holds a person's name, address and reference.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from portal import access
from portal.notifications.mail import stored_mail, stored_mails

blueprint = Blueprint("dev_mail", __name__, url_prefix="/utvikling/e-post")


@blueprint.before_request
def development_only() -> None:
    if not current_app.config.get("DEV_LOGIN_ENABLED"):
        abort(404)


@blueprint.get("")
@access.public
def mail_list():
    return render_template("notifications/mail_list.html", mails=stored_mails())


@blueprint.get("/<name>")
@access.public
def mail_detail(name: str):
    mail = stored_mail(name)  # looked up in the listing: the URL never names a path
    if mail is None:
        abort(404)
    return render_template("notifications/mail_detail.html", mail=mail)
