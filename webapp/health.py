"""GET /healthz for load balancers and `make run` checks."""
from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.core.extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return jsonify({"status": "error", "database": f"error: {error.__class__.__name__}"}), 503
    return jsonify({"status": "ok", "database": "ok"})
