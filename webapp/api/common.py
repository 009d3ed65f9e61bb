"""What both API dialects share: the credential a request acts with, the rate limit and the OpenAPI
pieces that describe them alike."""
from __future__ import annotations

from flask import Blueprint, current_app, g

from webapp.accounts.credentials import ApiActor, actor_for
from webapp.accounts.models import ApiCredential
from webapp.core.database import MAX_ID, RecordId  # noqa: F401  (MAX_ID: both dialects read the bound of ids here)

DEFAULT_RATE_LIMIT = "600 per minute"
# The spellings of a true/false query parameter that clients send (Mettl's samples write "true"; other
# clients write what their language prints, or 1 and 0): the parsers and the documents share this table.
QUERY_FLAGS = {"true": True, "false": False, "True": True, "False": False, "TRUE": True, "FALSE": False,
               "1": True, "0": False}


def use_record_ids(blueprint: Blueprint) -> None:
    """Make `<id:name>` known to the app before the blueprint's routes are added."""
    blueprint.record_once(lambda state: state.app.url_map.converters.setdefault("id", RecordId))


def rate_limit() -> str:
    """Requests per credential and period, in Flask-Limiter's notation (config API_RATE_LIMIT)."""
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def use_credential(credential: ApiCredential) -> None:
    g.api_credential = credential
    g.api_actor = actor_for(credential)


def actor() -> ApiActor:
    return g.api_actor


def credential() -> ApiCredential:
    return g.api_credential
