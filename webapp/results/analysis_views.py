"""Item analysis of an assessment: facility, discrimination and option choices per question."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("analysis", __name__)
