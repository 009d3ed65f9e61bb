"""An institute's white-labelling at public addresses, for the candidate pages (which have no login)
and the Mettl account endpoint (logoPath, cssPath, faviconPath, backgroundImagePath): the logo, the
favicon, the cover image, and a style sheet with the colours (the pages allow no inline style)."""
from flask import Blueprint, Response, abort, request

from webapp.accounts.services import branding_image, theme_css

blueprint = Blueprint("branding", __name__)
CACHE = "public, max-age=300"


@blueprint.get("/branding/<int:institute_id>/<any(logo, favicon, cover):kind>")
def image(institute_id, kind):
    found = branding_image(institute_id, kind)
    if found is None:
        abort(404)
    data, mimetype = found
    return Response(data, mimetype=mimetype, headers={"Cache-Control": CACHE})


@blueprint.get("/branding/<int:institute_id>/theme.css")
def theme(institute_id):
    """The colours as CSS; `?preview=1` scopes them to the console's preview of the candidate page."""
    css = theme_css(institute_id, preview=request.args.get("preview") == "1")
    return Response(css, mimetype="text/css", headers={"Cache-Control": CACHE})
