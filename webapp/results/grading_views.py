"""The grading queue: essays and manually marked short answers, one at a time."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("grading", __name__, url_prefix="/grading")
