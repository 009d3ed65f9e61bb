"""A readable page of both dialects' OpenAPI documents, for the institute's staff who connect a client."""
from flask import Blueprint, render_template
from flask_login import login_required

from webapp.api.euro_v1.openapi import document as euro_document
from webapp.api.mettl_v1.openapi import document as mettl_document

blueprint = Blueprint("api_docs", __name__)


@blueprint.get("/settings/api/docs")
@login_required
def docs():
    """Both dialects' endpoints, parameters and bodies, read from the OpenAPI documents they serve."""
    return render_template("console/api/docs.html", documents=[mettl_document(), euro_document()])
