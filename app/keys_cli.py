"""`chronos keys create|list|revoke`: manage API keys from the shell (for the first key, or a lost one)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import DomainError
from app.services import api_keys, audit
from app.timeutil import format_utc

keys_group = AppGroup("keys", help="Create, list and revoke API keys.")


# Who a change made on the command line is recorded as: whoever can run it has the database itself.
CLI_ACTOR = "command line"


def init_app(app: Flask) -> None:
    app.cli.add_command(keys_group)


@keys_group.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, help="A scope; repeat for several.")
def create_command(name: str, scopes: tuple[str, ...]) -> None:
    """Create a key NAME with the given scopes and print it (the only time it is shown)."""
    try:
        created = api_keys.create_key(name, list(scopes))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    audit.record(CLI_ACTOR, "cli", "create_key", "key", str(created.row.id))
    click.echo(f"Created key {created.row.id} ({created.row.name}; {' '.join(created.row.scopes)}).")
    click.echo("Copy it now; it is not stored and will not be shown again:")
    click.echo(created.key)


@keys_group.command("list")
def list_command() -> None:
    """List every key (never the keys themselves, which are not stored)."""
    rows = api_keys.list_keys()
    if not rows:
        click.echo("No keys (the configured api.api_key is the admin key).")
    for row in rows:
        state = f"revoked {format_utc(row.revoked_at)}" if row.revoked_at else "active"
        used = format_utc(row.last_used_at) or "never"
        click.echo(
            f"{row.id}\t{row.name}\t{' '.join(row.scopes)}\tcreated {format_utc(row.created_at)}\tused {used}\t{state}"
        )


@keys_group.command("revoke")
@click.argument("key_id", type=int)
def revoke_command(key_id: int) -> None:
    """Revoke key KEY_ID: every web process refuses it within a second."""
    try:
        row = api_keys.revoke_key(key_id)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    audit.record(CLI_ACTOR, "cli", "revoke_key", "key", str(row.id))
    click.echo(f"Revoked key {row.id} ({row.name}).")
