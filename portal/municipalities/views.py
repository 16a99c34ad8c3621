from flask import Blueprint, Response, redirect, render_template, url_for

from portal import access
from portal.db import session
from portal.municipalities.service import list_municipalities
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = Blueprint("municipalities", __name__)
brand = tenant_blueprint("brand", __name__)


@blueprint.get("/")
@access.public
def index():
    municipalities = list_municipalities(session())
    if len(municipalities) == 1:
        return redirect(url_for("info.start", municipality_slug=municipalities[0].slug))
    return render_template("municipalities/index.html", municipalities=municipalities)


@brand.get("/brand.css")
@access.public
def brand_css() -> Response:
    """The municipality's colour as CSS, so that no page needs an inline style (CSP)."""
    css = f":root {{ --portal-brand: {current_municipality().brand_colour}; }}\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
