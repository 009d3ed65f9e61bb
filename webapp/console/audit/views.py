"""The audit log's console page and its CSV export: load the filters, call the readers, render."""
from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user, login_required

from webapp.audit import services
from webapp.web import page_number, render

blueprint = Blueprint("audit", __name__)

FILTERS = ("action", "actor_id", "target_type", "target_id", "since", "until")


def _filters() -> dict:
    return {name: request.args.get(name, "") for name in FILTERS}


@blueprint.get("/audit")
@login_required
def audit_log():
    entries = services.audit_log(current_user, page=page_number(), **_filters())
    return render("console/audit/log.html", "console/audit/_rows.html", entries=entries, choices=services.audit_filters(current_user),
                  args=request.args, services=services)


@blueprint.get("/audit.csv")
@login_required
def audit_csv():
    response = Response(services.audit_csv(current_user, **_filters()), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=audit-log.csv"
    return response
