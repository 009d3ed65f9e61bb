"""Reports and certificates: the shared HTML and PDF report, certificate PDFs, the public verification
page and the console's certificate list with revocation."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("reports", __name__)
