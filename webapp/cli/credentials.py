"""`flask --app wsgi api-credentials create|revoke|list`: API credentials from the command line."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from webapp.accounts import credentials as services
from webapp.accounts.services import institute_by_name
from webapp.core.errors import DomainError, NotFound
from webapp.core.extensions import db

api_credentials = AppGroup("api-credentials", help="Issue, list and revoke an institute's API credentials.")


def _institute_id(name: str) -> int:
    institute = institute_by_name(name)
    if institute is None:
        raise NotFound(f"Institute {name!r}")
    return institute.id


def _run(action):
    """Commit what `action` did and print its JSON, or print the domain error and exit 1."""
    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    click.echo(json.dumps(result))


def _moment(value) -> str | None:
    return value.isoformat() if value else None


@api_credentials.command("create")
@click.option("--institute", "institute_name", required=True, help="The institute's name.")
@click.option("--role", type=click.Choice(["admin", "support"]), default="admin", show_default=True,
              help="support: read only.")
@click.option("--name", "label", default="", help="A label: what the credential is for.")
def create_command(institute_name, role, label):
    """Issue a credential; prints its secrets, which are shown this once."""
    def create():
        institute_id = _institute_id(institute_name)
        _, issued = services.create_credential_by_command_line(institute_id, role=role, name=label)
        return {"institute_id": institute_id, "ak": issued.access_key, "private_key": issued.private_key,
                "euro_token": issued.euro_token}

    _run(create)


@api_credentials.command("revoke")
@click.argument("access_key")
def revoke_command(access_key):
    """Revoke the credential with this access key (ak)."""
    def revoke():
        credential = services.revoke_access_key(access_key)
        return {"ak": credential.access_key, "revoked_at": _moment(credential.revoked_at)}

    _run(revoke)


@api_credentials.command("list")
@click.option("--institute", "institute_name", required=True, help="The institute's name.")
def list_command(institute_name):
    """The institute's credentials, newest first (without their secrets)."""
    _run(lambda: [{"ak": credential.access_key, "name": credential.name, "role": credential.role.value,
                   "created_at": _moment(credential.created_at), "last_used_at": _moment(credential.last_used_at),
                   "revoked_at": _moment(credential.revoked_at)}
                  for credential in services.credentials_of(_institute_id(institute_name))])
