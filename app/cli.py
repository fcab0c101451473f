"""Flask CLI commands: thin wrappers over services (`flask --app wsgi <command>` or `chronos <command>`)."""

from __future__ import annotations

import json

import click
from flask import Flask

from app import sync_cli
from app.config import current_settings
from app.settings import masked_url


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(check_config_command)
    sync_cli.init_app(app)


@click.command("init-db")
def init_db_command() -> None:
    """Create the database, or upgrade it to the newest schema revision (safe to run again)."""
    from app.schema import upgrade_database

    outcome = upgrade_database()
    click.echo(f"Database ready at {masked_url(current_settings().database.url)} ({outcome})")


@click.command("check-config")
def check_config_command() -> None:
    """Print the effective configuration with secrets masked."""
    click.echo(json.dumps(current_settings().masked(), indent=2))


def main() -> None:
    """Entry point of the `chronos` console script."""
    from flask.cli import FlaskGroup

    from wsgi import build_app

    FlaskGroup(create_app=lambda: build_app())(prog_name="chronos")
