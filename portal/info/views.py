from flask import abort, render_template

from portal import access, page_cache
from portal.feedback.forms import UsefulForm
from portal.info.pages import BY_PATH, PAGES
from portal.municipalities.tenancy import tenant_blueprint

blueprint = tenant_blueprint("info", __name__)


@blueprint.get("/")
@access.public
@page_cache.public_page
def start():
    return render_template("info/start.html", pages=PAGES)


@blueprint.get("/<page_path>")
@access.public
@page_cache.public_page
def page(page_path: str):
    info_page = BY_PATH.get(page_path)
    if info_page is None:
        abort(404)
    return render_template(
        f"info/{info_page.key}.html", page=info_page, feedback_form=UsefulForm(page=info_page.key)
    )
