"""The ``kb`` commands that run a live help center: accounts (agents, API tokens), analytics, the ticket outbox.

Registered with the others by :mod:`kb.cli` (which also makes kb's errors print as one clean line).
"""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from kb.state import state_of


@click.group("agents")
def agents_group() -> None:
    """Agent accounts: who can sign in to /agent."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@agents_group.command("add")
@click.argument("email")
@click.option("--name", default="", help="Name shown in the agent pages.")
@click.option("--admin", is_flag=True, help="May also see the analytics dashboard.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@with_appcontext
def agents_add_command(email: str, name: str, admin: bool, password_stdin: bool) -> None:
    """Add an agent, or change an existing agent's password, name and role."""
    from kb import auth

    try:
        agent = auth.add_agent(email, _read_password(password_stdin), name=name, role="admin" if admin else "agent")
    except auth.AccountError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Agent {agent.email} ({agent.role}) can now sign in at /agent/sign-in.")


@agents_group.command("list")
@with_appcontext
def agents_list_command() -> None:
    """List agent accounts."""
    from kb import auth

    accounts = auth.list_agents()
    for a in accounts:
        last = a["last_sign_in_at"].strftime("%Y-%m-%d %H:%M") if a["last_sign_in_at"] else "never"
        click.echo(f"{a['email']}\t{a['role']}\t{a['name'] or '-'}\tfrom {a['source']}\tlast sign-in {last}")
    if not accounts:
        click.echo("No agent accounts yet; add one with `kb agents add EMAIL`.")


@agents_group.command("remove")
@click.argument("email")
@with_appcontext
def agents_remove_command(email: str) -> None:
    """Remove an agent account (its sessions end at once)."""
    from kb import auth

    try:
        removed = auth.remove_agent(email)
    except auth.AccountError as e:
        raise click.ClickException(str(e)) from None
    if not removed:
        raise click.ClickException(f"there is no agent {email}")
    click.echo(f"Removed {email}.")


@agents_group.command("hash")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def agents_hash_command(password_stdin: bool) -> None:
    """Print a password hash for KB_AGENTS (email=hash), to declare accounts in configuration."""
    from kb import auth

    password = _read_password(password_stdin)
    try:
        auth.check_password(password)
    except auth.AccountError as e:
        raise click.ClickException(str(e)) from None
    click.echo(auth.hash_password(password))


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for the agent API and integrations (Authorization: Bearer <token>)."""


@tokens_group.command("create")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Also grants the admin API (analytics).")
@with_appcontext
def tokens_create_command(name: str, admin: bool) -> None:
    """Create a token called NAME and print it (it is shown only this once)."""
    from kb import auth

    try:
        token = auth.create_token(name, "admin" if admin else "agent")
    except auth.AccountError as e:
        raise click.ClickException(str(e)) from None
    click.echo(token)
    click.echo(f"Token {name!r} created; store it now, kb keeps only its hash.", err=True)


@tokens_group.command("list")
@with_appcontext
def tokens_list_command() -> None:
    """List tokens (names and roles; the tokens themselves are not stored)."""
    from kb import auth

    found = auth.list_tokens()
    for t in found:
        last = t["last_used_at"].strftime("%Y-%m-%d %H:%M") if t["last_used_at"] else "never"
        click.echo(f"{t['name']}\t{t['role']}\tcreated {t['created_at']:%Y-%m-%d}\tlast used {last}")
    if not found:
        click.echo("No tokens yet; create one with `kb tokens create NAME`.")


@tokens_group.command("revoke")
@click.argument("name")
@with_appcontext
def tokens_revoke_command(name: str) -> None:
    """Revoke the token called NAME."""
    from kb import auth

    if not auth.revoke_token(name):
        raise click.ClickException(f"there is no token called {name!r}")
    click.echo(f"Revoked {name!r}.")


@click.group("analytics")
def analytics_group() -> None:
    """Self-service analytics: figures for a period, and removing events."""


@analytics_group.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(0),
    default=None,
    help="Remove events older than this many days (default: KB_ANALYTICS_RETENTION_DAYS).",
)
@click.option("--all", "everything", is_flag=True, help="Remove every analytics event.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def analytics_purge_command(days: int | None, everything: bool, yes: bool) -> None:
    """Remove analytics events (searches, views, votes, clicks). Tickets and accounts are kept."""
    from kb.analytics import events

    if everything and days is not None:
        raise click.UsageError("give --older-than or --all, not both")
    if not everything and days is None:
        days = current_app.config["ANALYTICS_RETENTION_DAYS"]
        if not days:
            raise click.UsageError("KB_ANALYTICS_RETENTION_DAYS is 0 (keep forever): give --older-than DAYS or --all")
    what = "every analytics event" if everything else f"analytics events older than {days} days"
    if not yes:
        click.confirm(f"Remove {what}? This cannot be undone", abort=True)
    events.flush()
    removed = events.purge(state_of(current_app).engine, older_than_days=None if everything else days)
    click.echo(f"Removed {removed} event(s): {what}.")


@analytics_group.command("stats")
@click.option("--from", "start", default=None, help="First day, YYYY-MM-DD (default: 30 days ago).")
@click.option("--to", "end", default=None, help="Last day, YYYY-MM-DD (default: today).")
@with_appcontext
def analytics_stats_command(start: str | None, end: str | None) -> None:
    """Print the dashboard's figures for a period as JSON."""
    from kb.analytics import stats
    from kb.errors import PeriodError

    try:
        period = stats.parse_period(start, end)
    except PeriodError as e:
        raise click.UsageError(str(e)) from None
    click.echo(json.dumps(stats.current_stats(period).to_dict(), indent=2))


@click.command("outbox")
@click.option("--retry", is_flag=True, help="Make every undelivered ticket due now (failed ones start over).")
@click.option("--deliver", is_flag=True, help="Deliver what is due now, in this process.")
@with_appcontext
def outbox_command(retry: bool, deliver: bool) -> None:
    """List tickets not yet delivered (pending or failed), and retry them."""
    from kb.db import get_engine
    from kb.desk import outbox

    engine = get_engine()
    if retry:
        click.echo(f"{outbox.retry_now(engine)} deliveries made due now.")
    if retry or deliver:
        click.echo(f"Delivered {outbox.deliver_due(engine, current_app.config, limit=1000)}.")
    rows = outbox.pending(engine)
    if not rows:
        click.echo("Nothing waiting: every ticket has been delivered.")
    for row in rows:
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        click.echo(
            f"ticket #{row['ticket_id']} → {row['destination']}: {row['status']}, "
            f"{row['attempts']} attempt(s), next {row['next_attempt_at']:%Y-%m-%d %H:%M:%S}{error}"
        )
