"""Registering a learning platform: an institute's admin (console) or the operator (command line) adds it with
the addresses it gave, and reads back the addresses of Proctora that the platform's admin must enter."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.core import links
from webapp.core.database import get_in_institute
from webapp.core.errors import Conflict, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.core.validation import single_line, web_address
from webapp.lti.models import LtiDeployment, LtiPlatform

COMMAND_LINE = "command line"


@dataclass
class PlatformInput:
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    jwks_url: str
    token_url: str = ""
    deployment_ids: tuple[str, ...] = ()


def tool_urls() -> dict[str, str]:
    """What a platform's admin enters for Proctora, by what the standard calls each address."""
    return {"login_initiation_url": links.absolute("/lti/login"), "redirect_url": links.absolute("/lti/launch"),
            "jwks_url": links.absolute("/lti/jwks"), "deep_linking_url": links.absolute("/lti/launch")}


def _required(value: str, refusal: str, field: str) -> str:
    if not value:
        raise ValidationError(refusal, field=field)
    return value


def _clean(data: PlatformInput) -> dict:
    issuer = _required(single_line(data.issuer, _("The issuer"), field="issuer", max_length=500),
                       _("The issuer is required."), "issuer")
    client_id = _required(single_line(data.client_id, _("The client ID"), field="client_id", max_length=255),
                          _("The client ID is required."), "client_id")
    deployments = []
    for deployment in data.deployment_ids:
        deployment = single_line(deployment, _("A deployment ID"), field="deployment_ids", max_length=255)
        if deployment and deployment not in deployments:
            deployments.append(deployment)
    if not deployments:
        raise ValidationError(_("Give at least one deployment ID."), field="deployment_ids")
    return {"name": single_line(data.name, _("The name"), field="name", max_length=200) or urlsplit(issuer).netloc
            or issuer[:200],
            "issuer": issuer, "client_id": client_id,
            "auth_login_url": _required(web_address(data.auth_login_url, _("authentication request URL"),
                                                    field="auth_login_url"),
                                        _("The authentication request URL is required."), "auth_login_url"),
            "jwks_url": _required(web_address(data.jwks_url, _("public keyset URL"), field="jwks_url"),
                                  _("The public keyset URL is required."), "jwks_url"),
            "token_url": web_address(data.token_url, _("access token URL"), field="token_url"),
            "deployment_ids": deployments}


def _add(institute_id: int, data: PlatformInput) -> LtiPlatform:
    values = _clean(data)
    deployment_ids = values.pop("deployment_ids")
    if db.session.scalar(select(LtiPlatform.id).where(LtiPlatform.issuer == values["issuer"],
                                                      LtiPlatform.client_id == values["client_id"])) is not None:
        raise Conflict(_("A platform with this issuer and client ID is registered already."), field="client_id")
    platform = LtiPlatform(institute_id=institute_id, **values)
    platform.deployments = [LtiDeployment(deployment_id=deployment) for deployment in deployment_ids]
    db.session.add(platform)
    db.session.flush()
    return platform


def summary(platform: LtiPlatform) -> dict:
    return {"id": platform.id, "name": platform.name, "issuer": platform.issuer, "client_id": platform.client_id,
            "auth_login_url": platform.auth_login_url, "token_url": platform.token_url,
            "jwks_url": platform.jwks_url, "deployment_ids": platform.deployment_ids}


def _record(actor: User | None, action: str, platform: LtiPlatform, before: dict, after: dict) -> None:
    audit(actor, action, "lti_platform", platform.id, before, after, label=platform.name,
          institute_id=platform.institute_id, actor_name="" if actor else COMMAND_LINE)


def list_platforms(actor: User) -> list[LtiPlatform]:
    require(actor, Permission.MANAGE_INSTITUTE)
    return platforms_of(actor.institute_id)


def platforms_of(institute_id: int) -> list[LtiPlatform]:
    return list(db.session.scalars(select(LtiPlatform).where(LtiPlatform.institute_id == institute_id)
                                   .order_by(LtiPlatform.name, LtiPlatform.id)))


def add_platform(actor: User, data: PlatformInput) -> LtiPlatform:
    require(actor, Permission.MANAGE_INSTITUTE)
    platform = _add(actor.institute_id, data)
    _record(actor, "lti_platform.add", platform, {}, summary(platform))
    return platform


def remove_platform(actor: User, platform_id) -> LtiPlatform:
    require(actor, Permission.MANAGE_INSTITUTE)
    platform = get_in_institute(LtiPlatform, actor.institute_id, platform_id, "LTI platform")
    return _remove(actor, platform)


def _remove(actor: User | None, platform: LtiPlatform) -> LtiPlatform:
    _record(actor, "lti_platform.remove", platform, summary(platform), {})
    db.session.delete(platform)
    db.session.flush()
    return platform


# The operator's commands: no user acts, the institute is named.

def add_platform_by_command_line(institute_id: int, data: PlatformInput) -> LtiPlatform:
    platform = _add(institute_id, data)
    _record(None, "lti_platform.add", platform, {}, summary(platform))
    return platform


def remove_platform_by_command_line(institute_id: int, platform_id) -> LtiPlatform:
    return _remove(None, get_in_institute(LtiPlatform, institute_id, platform_id, "LTI platform"))
