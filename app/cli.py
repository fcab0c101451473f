"""Flask CLI commands: thin wrappers over services (`flask --app wsgi <command>` or `chronos <command>`)."""

from __future__ import annotations

import json

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from app import keys_cli, sync_cli
from app.config import current_settings
from app.settings import masked_url


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(check_config_command)
    app.cli.add_command(copy_data_command)
    sync_cli.init_app(app)
    keys_cli.init_app(app)


@click.command("init-db")
def init_db_command() -> None:
    """Create the database, or upgrade it to the newest schema revision (safe to run again)."""
    from app.schema import UP_TO_DATE, changes_made, upgrade_database

    upgrade_database()
    # The app's start-up, before this command ran, has usually done the upgrade already: report that one.
    outcome = "; ".join(changes_made()) or UP_TO_DATE
    click.echo(f"Database ready at {masked_url(current_settings().database.url)} ({outcome})")


@click.command("check-config")
def check_config_command() -> None:
    """Print the effective configuration with secrets masked."""
    click.echo(json.dumps(current_settings().masked(), indent=2))


@click.command("copy-data")
@click.argument("source_url")
@click.argument("target_url")
def copy_data_command(source_url: str, target_url: str) -> None:
    """Copy every row from SOURCE_URL into TARGET_URL (migrated first; must hold no events), e.g. SQLite to
    PostgreSQL."""
    from app.data_copy import DataCopyError, copy_database

    def report(table: str, rows: int) -> None:
        click.echo(f"  {table}: {rows}")

    click.echo(f"Copying {masked_url(source_url)} -> {masked_url(target_url)}")
    try:
        counts = copy_database(source_url, target_url, progress=report)
    except DataCopyError as error:
        raise click.ClickException(f"copy-data: {error}") from None
    except SQLAlchemyError as error:
        raise click.ClickException(f"copy-data: nothing copied: {_first_line(error)}") from None
    click.echo(f"Copied {sum(counts.values())} rows in {len(counts)} tables")


def _first_line(error: SQLAlchemyError) -> str:
    """The driver's own message without SQLAlchemy's statement and parameter dump."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def main() -> None:
    """Entry point of the `chronos` console script."""
    from flask.cli import FlaskGroup

    from app import build_app

    FlaskGroup(create_app=build_app)(prog_name="chronos")
