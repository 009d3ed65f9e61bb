"""The results console: an exam's results table with its chart and exports, a sitting's result page
and an assessment's item analysis."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("results", __name__)
