"""`flask translations update|compile`: the message catalogues kept in line with the sources."""
from __future__ import annotations

import click

from webapp.core.i18n import AREAS, compile_catalogues, update_catalogues


@click.group("translations")
def translations() -> None:
    """Extract the texts to translate and compile the catalogues (translations/<language>/<area>.po)."""


@translations.command("update")
@click.option("--area", "areas", multiple=True, type=click.Choice([area for area, _ in AREAS]),
              help="Only this area's catalogues (repeatable); all when omitted.")
def update_command(areas: tuple[str, ...]) -> None:
    """Add new texts to the catalogues (untranslated) and drop those gone from the sources."""
    for language, waiting in update_catalogues(areas).items():
        click.echo(f"{language}: {waiting} text(s) wait for a translation")


@translations.command("compile")
def compile_command() -> None:
    """Compile every language's catalogues into the one Flask-Babel reads."""
    click.echo("compiled: " + (", ".join(compile_catalogues(force=True)) or "nothing"))
