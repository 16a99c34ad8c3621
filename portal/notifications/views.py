"""Development only: the mails and SMS the file backends wrote, to read in the browser.

The pages answer 404 unless the development login is on (development and test), the same
switch that production refuses; a mail holds a person's name, address and reference.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from portal import access
from portal.notifications.mail import stored_mail, stored_mails
from portal.notifications.sms import stored_sms

blueprint = Blueprint("dev_mail", __name__, url_prefix="/utvikling/e-post")
sms_blueprint = Blueprint("dev_sms", __name__, url_prefix="/utvikling/sms")


@blueprint.before_request
@sms_blueprint.before_request
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


@sms_blueprint.get("")
@access.public
def sms_list():
    return render_template("notifications/sms_list.html", messages=stored_sms())
