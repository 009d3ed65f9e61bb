"""An institute's white-labelling at public addresses, for the candidate pages (which have no login)
and the Mettl account endpoint (logoPath, cssPath, faviconPath, backgroundImagePath): the logo, the
favicon, the cover image, and a style sheet with the colours (the pages allow no inline style)."""
from flask import Blueprint, Response, abort

from webapp.accounts.services import branding_image, white_label

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
    """The colours as CSS (empty when none are set); they were checked to be hex digits when saved."""
    label = white_label(institute_id)
    rules = []
    if label is not None:
        for value, selector, declaration in (
                (label.header_background_color, ".candidate-header", "background: #{}"),
                (label.header_font_color, ".candidate-header, .candidate-header *", "color: #{}"),
                (label.button_color, ":root", "--pico-primary-background: #{0}; --pico-primary-border: #{0}"),
                (label.button_font_color, ":root", "--pico-primary-inverse: #{}")):
            if value:
                rules.append(f"{selector} {{ {declaration.format(value)}; }}")
        if label.cover:
            rules.append(f"body {{ background: url('/branding/{institute_id}/cover') center / cover fixed; }}")
    return Response("".join(rule + "\n" for rule in rules), mimetype="text/css", headers={"Cache-Control": CACHE})
