"""`flask --app wsgi lti-platforms add|list|remove` and `flask --app wsgi lti-keys rotate`: learning
platforms (LTI 1.3) and the tool's signing keys from the command line, answering in JSON."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.cli.credentials import _institute_id, _run
from webapp.lti import keys, platforms as services

lti_platforms = AppGroup("lti-platforms", help="Register, list and remove an institute's learning platforms (LTI 1.3).")
lti_keys = AppGroup("lti-keys", help="The signing keys Proctora publishes at /lti/jwks.")


@lti_platforms.command("add")
@click.option("--institute", "institute_name", required=True, help="The institute's name.")
@click.option("--name", default="", help="What the staff call the platform (default: the issuer's host).")
@click.option("--issuer", required=True, help="The platform's issuer (iss), e.g. https://moodle.example.edu.")
@click.option("--client-id", required=True, help="The client ID the platform gave Proctora.")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True,
              help="A deployment ID the platform gave Proctora (repeat for several).")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authentication request URL.")
@click.option("--jwks-url", required=True, help="The platform's public keyset URL.")
@click.option("--token-url", default="", help="The platform's access token URL (for grades and rosters).")
def add_command(institute_name, name, issuer, client_id, deployment_ids, auth_login_url, jwks_url, token_url):
    """Register a platform; prints it and the addresses its admin must enter for Proctora."""
    def add():
        platform = services.add_platform_by_command_line(_institute_id(institute_name), services.PlatformInput(
            name=name, issuer=issuer, client_id=client_id, auth_login_url=auth_login_url, jwks_url=jwks_url,
            token_url=token_url, deployment_ids=tuple(deployment_ids)))
        return {**services.summary(platform), "tool": services.tool_urls()}

    _run(add)


@lti_platforms.command("list")
@click.option("--institute", "institute_name", required=True, help="The institute's name.")
def list_command(institute_name):
    """The institute's platforms."""
    _run(lambda: [services.summary(platform) for platform in services.platforms_of(_institute_id(institute_name))])


@lti_platforms.command("remove")
@click.option("--institute", "institute_name", required=True, help="The institute's name.")
@click.argument("platform_id")
def remove_command(institute_name, platform_id):
    """Remove a platform: its launches are refused from then on."""
    _run(lambda: services.summary(services.remove_platform_by_command_line(_institute_id(institute_name),
                                                                           platform_id)))


@lti_keys.command("rotate")
def rotate_command():
    """A new signing key; the previous ones stay published for a while, then drop out of the JWKS."""
    def rotate():
        key, retired = keys.rotate_keys()
        return {"kid": key.kid, "retired": retired}

    _run(rotate)
