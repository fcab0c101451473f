"""CLI commands of calendar sync: `sync`, `google-auth`, `create-demo-data`."""

from __future__ import annotations

import click
from flask import Flask

from app.config import current_settings


def init_app(app: Flask) -> None:
    app.cli.add_command(sync_command)
    app.cli.add_command(google_auth_command)
    app.cli.add_command(create_demo_data_command)


def _summary(result: dict) -> str:
    from app.services.sync_store import COUNT_FIELDS

    counts = ", ".join(f"{name.removeprefix('events_')} {result.get(name, 0)}" for name in COUNT_FIELDS)
    return f"{counts}; upstream deletes pending {result.get('pending_upstream', 0)}"


@click.command("sync")
@click.option(
    "--days-ahead",
    type=click.IntRange(1, 365),
    default=7,
    show_default=True,
    help="How far ahead recurrences are expanded (ICS, demo).",
)
@click.option("--force-refresh", is_flag=True, help="Ignore stored sync tokens and list everything again.")
@click.option("--calendar", "calendar_id", default=None, help="Only this calendar id.")
def sync_command(days_ahead: int, force_refresh: bool, calendar_id: str | None) -> None:
    """Sync the configured calendars once, now, and print a summary."""
    from app.services.sync import run_sync
    from app.sources.registry import accounts

    result = run_sync(days_ahead=days_ahead, force_refresh=force_refresh, calendar_id=calendar_id)
    names = ", ".join(account.name for account in accounts(current_settings()))
    click.echo(f"Sync from {names}: {_summary(result)}")
    for calendar, counts in (result.get("calendars") or {}).items():
        click.echo(
            f"  {calendar}: {_summary(counts)}" + (f" — error: {counts['error']}" if counts.get("error") else "")
        )
        for problem in counts.get("problems") or []:
            where = f" (line {problem['line']})" if problem.get("line") else ""
            click.echo(f"    skipped {problem.get('summary') or problem.get('uid')}{where}: {problem['message']}")
    if result.get("error"):
        raise click.ClickException(result["error"])


@click.command("google-auth")
@click.option(
    "--port",
    type=click.IntRange(1024, 65535),
    default=None,
    help="Local port for Google's redirect (default: a free one; never the web port).",
)
@click.option("--no-browser", is_flag=True, help="Print the sign-in URL instead of opening a browser.")
def google_auth_command(port: int | None, no_browser: bool) -> None:
    """Connect Google Calendar: sign in in the browser, the token is stored (mode 0600)."""
    from app.errors import DomainError
    from app.services.google_auth import run_installed_flow

    settings = current_settings()
    try:
        run_installed_flow(settings, port=port, open_browser=not no_browser)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Google Calendar connected; token stored at {settings.calendar.token_file}")


@click.command("create-demo-data")
@click.option("--days-ahead", type=click.IntRange(1, 365), default=14, show_default=True)
def create_demo_data_command(days_ahead: int) -> None:
    """Fill the database with the demo calendar (demo source only); safe to run again."""
    from app.services.sync import run_sync
    from app.sources.demo import DemoSource
    from app.sources.registry import source_name

    settings = current_settings()
    if source_name(settings) != "demo":
        # Demo events in "primary" would mix with the real calendar of the same id.
        raise click.ClickException(
            f"calendar.source is {source_name(settings)}; demo data is only created "
            "when the demo source is in use (set calendar.source: demo)."
        )
    result = run_sync(days_ahead=days_ahead, source=DemoSource(settings.zone))
    click.echo(f"Demo data: {_summary(result)}")
