from flask import redirect, render_template, request, url_for
from flask import session as cookie_session

from portal import access
from portal.db import session
from portal.feedback.forms import CommentForm, UsefulForm
from portal.feedback.service import record_feedback
from portal.forms import ConfirmForm
from portal.i18n import current_language
from portal.info.pages import BY_KEY
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("feedback", __name__, "/tilbakemelding")
ANSWERS = "feedback_answers"
RETURN_TO_CHECK = "check"


def _answers() -> dict:
    return dict(cookie_session.get(ANSWERS, {}))


def _save(**values: str) -> None:
    cookie_session[ANSWERS] = {**_answers(), **values}


def _next(default_endpoint: str):
    if request.args.get("return_to") == RETURN_TO_CHECK:
        return redirect(url_for("feedback.check"))
    return redirect(url_for(default_endpoint))


@blueprint.route("/nyttig", methods=["GET", "POST"])
@access.public
def useful():
    answers = _answers()
    form = UsefulForm(data={"page": request.args.get("page", answers.get("page", "start")),
                            "useful": answers.get("useful")})
    if form.validate_on_submit():
        _save(page=form.page_key(), useful=form.useful.data)
        return _next("feedback.comment")
    return render_template("feedback/useful.html", form=form)


@blueprint.route("/kommentar", methods=["GET", "POST"])
@access.public
def comment():
    answers = _answers()
    if "useful" not in answers:
        return redirect(url_for("feedback.useful"))
    form = CommentForm(data={"comment": answers.get("comment", "")})
    if form.validate_on_submit():
        _save(comment=form.comment.data or "")
        return redirect(url_for("feedback.check"))
    return render_template("feedback/comment.html", form=form)


@blueprint.route("/sjekk", methods=["GET", "POST"])
@access.public
def check():
    answers = _answers()
    if "useful" not in answers:
        return redirect(url_for("feedback.useful"))
    form = ConfirmForm()
    if form.validate_on_submit():
        record_feedback(
            session(),
            municipality_id=current_municipality().id,
            page=answers["page"],
            useful=answers["useful"] == "yes",
            comment=answers.get("comment", ""),
            language=current_language(),
        )
        cookie_session.pop(ANSWERS, None)
        return redirect(url_for("feedback.thanks", page=answers["page"]))
    page = BY_KEY.get(answers["page"])
    return render_template("feedback/check.html", form=form, answers=answers, page=page)


@blueprint.get("/takk")
@access.public
def thanks():
    page = BY_KEY.get(request.args.get("page", ""))
    return render_template("feedback/thanks.html", page=page)
