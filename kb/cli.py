"""The ``kb`` command line: thin click commands over the library functions.

This module holds the group, the registration (:data:`COMMANDS`, :func:`init_app`, :func:`main`) and the content
commands (check, index, search, suggest, serve, db); :mod:`kb.cli_eval` holds ``kb eval`` and :mod:`kb.cli_admin`
the accounts, tokens, analytics and outbox commands.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from kb.cli_admin import agents_group, analytics_group, outbox_command, tokens_group
from kb.cli_eval import eval_command
from kb.errors import KBError
from kb.state import state_of
from search.hybrid import MODES


def _articles_option(f):
    return click.option(
        "--articles",
        "articles_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Articles folder (default: KB_ARTICLES_DIR, i.e. the shipped help center).",
    )(f)


@click.command("check")
@_articles_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@with_appcontext
def check_command(articles_dir: Path | None, strict: bool) -> None:
    """Validate articles: front matter, slugs, links, #anchors, images, related; translations of each locale."""
    from kb.content.locales import configured
    from kb.content.translations import compile_editions

    root = articles_dir or Path(current_app.config["ARTICLES_DIR"])
    editions = compile_editions(root, configured(current_app.config))
    problems = [p for edition in editions for p in edition.compiled.problems]
    for problem in sorted(problems, key=lambda p: (p.path, p.line or 0)):
        click.echo(str(problem), err=True)
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    counts = ", ".join(f"{len(e.compiled.pages)} {e.locale.tag}" for e in editions)
    articles = sum(len(e.compiled.pages) for e in editions)
    where = f"{articles} articles ({counts})" if len(editions) > 1 else f"{articles} articles"
    click.echo(f"Checked {where} in {root}: {errors} error(s), {warnings} warning(s).")
    if errors or (strict and warnings):
        suffix = " in strict mode" if strict and warnings and not errors else ""
        raise click.ClickException(f"Aborted with {errors + (warnings if strict else 0)} problem(s){suffix}.")


@click.command("index")
@_articles_option
@click.option("--full", is_flag=True, help="Rebuild everything instead of only what changed.")
@click.option("--allow-errors", is_flag=True, help="Publish even when `kb check` finds errors (skipping bad files).")
@click.option(
    "--status-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write progress there as JSON (what `kb serve` reads to report a background build).",
)
@with_appcontext
def index_command(articles_dir: Path | None, full: bool, allow_errors: bool, status_file: Path | None) -> None:
    """Build the search index (incremental; switched atomically when complete)."""
    from kb.index.background import StatusWriter
    from kb.index.serving import encoder_holder

    config = current_app.config
    upgrade_database(current_app)
    status = StatusWriter(status_file) if status_file else None
    if status:
        status.update("loading the model")
    holder = encoder_holder(current_app, for_documents=True)
    encoder = holder.get()
    if holder.enabled and encoder is None:
        click.echo(f"Warning: {holder.error}; building a full-text-only index.", err=True)
    try:
        _export_first(config, holder, encoder, status)
        report = _build(articles_dir or config["ARTICLES_DIR"], config, encoder, full, allow_errors, status)
    except Exception as e:
        if status:
            status.update("failed", error=str(e))
        raise
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(report.summary())
    _export_after(config, holder, encoder)
    if status:
        status.update("done", seconds=round(report.seconds, 1))


def _build(articles_dir, config, encoder, full: bool, allow_errors: bool, status):
    from kb.content.locales import configured
    from kb.index.build import build_index
    from kb.index.serving import document_encoders

    def progress(stage: str, count: int) -> None:
        bar.update(count)
        if status:
            status.advance(count)

    if status:
        status.update("embedding" if encoder is not None else "indexing", done=0, total=_sections_now(config))
    encoders = document_encoders(current_app, encoder)
    try:
        with click.progressbar(length=0, label="Embedding sections", file=sys.stderr, hidden=encoder is None) as bar:
            first = _first_pass(config, encoder, encoders)
            for chosen in ([first] if first else []) + [encoders]:  # with a first pass, that build is switched in
                report = build_index(
                    articles_dir,
                    config["DATA_DIR"],
                    encoder=encoder,
                    full=full and chosen is first,
                    progress=progress,
                    allow_errors=allow_errors,
                    locales=configured(config),
                    encoders=chosen,
                )
                if chosen is first:
                    click.echo(f"{report.summary()} The default language first; now the others.", err=True)
            return report
    except OSError as e:  # a full disk, a read-only folder: the half-written build is removed
        where = e.filename or config["DATA_DIR"]
        raise click.ClickException(
            f"could not write the index ({e.strerror or e} at {where}); nothing was switched: "
            "the previous index, if any, keeps serving"
        ) from None


def _first_pass(config, encoder, encoders: dict) -> dict | None:
    """On the first semantic build of a help center whose languages use several models: the encoders of a first
    build that embeds only the default language's model, so that its semantic search goes live without waiting
    for the slower multilingual model; None when one build will do."""
    from kb.index.layout import BuildFolder, current_build_dir, index_root
    from search import semantic

    build_dir = current_build_dir(index_root(config["DATA_DIR"]))
    if encoder is None or build_dir is None or semantic.exists(BuildFolder(build_dir).semantic):
        return None
    default_model = encoder.name
    first = {tag: e if e is not None and e.name == default_model else None for tag, e in encoders.items()}
    return first if first != encoders else None


def _export_first(config, holder, encoder, status) -> None:
    """With an index already serving, export the int8 query model before switching in one with embeddings, so
    that no server loads the full model for queries in between (the export is checked on the serving sections)."""
    from kb.index.layout import current_build_dir, index_root
    from kb.index.serving import export_after_build

    if current_build_dir(index_root(config["DATA_DIR"])) is None:
        return  # the first build: the export is checked against it, afterwards
    if status:
        status.update("exporting the query model")
    _echo_export(export_after_build(config, holder, encoder))


def _export_after(config, holder, encoder) -> None:
    from kb.index.serving import export_after_build

    _echo_export(export_after_build(config, holder, encoder))


def _echo_export(message: str | None) -> None:
    if message:
        click.echo(message, err=message.startswith("Warning"))


def _sections_now(config) -> int | None:
    """How many sections the serving build has: about how many this build embeds, for its progress."""
    from kb.index.layout import current_build_dir, index_root, read_manifest

    build_dir = current_build_dir(index_root(config["DATA_DIR"]))
    if build_dir is None:
        return None
    manifest = read_manifest(build_dir)
    parts = manifest.get("locales") or {"": {"sections": manifest.get("sections") or 0}}
    return sum(part.get("sections") or 0 for part in parts.values())


LOCALE_HELP = "The language to answer in, e.g. pt-BR (default: the text's, detected; else KB_LOCALES' first)."


def _use_locale(value: str | None, text: str) -> None:
    """Answer in ``value``'s locale, or the text's, as the API does."""
    from kb.errors import APIError
    from kb.web.locales import use_locale

    try:
        use_locale(value, text)
    except APIError as e:
        raise click.BadParameter(e.message, param_hint="--locale") from None


@click.command("search")
@click.argument("query")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    help="Ranking to use (default: KB_SEARCH_MODE).",
)
@click.option("--limit", type=click.IntRange(1, 50), default=10, show_default=True)
@click.option("--category", default=None, help="Only this category.")
@click.option("--locale", default=None, help=LOCALE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@with_appcontext
def search_command(
    query: str, mode: str | None, limit: int, category: str | None, locale: str | None, as_json: bool
) -> None:
    """Search the help center from the terminal."""
    from kb.query.search import run_search

    _use_locale(locale, query)
    result = run_search(query, mode=mode, limit=limit, category=category)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    if result.did_you_mean:
        click.echo(f"Did you mean: {result.did_you_mean}")
    if not result.results:
        click.echo("No results.")
    if result.answer:
        click.echo(f"Answer: {result.answer.text}  [{result.answer.url}]")
    for rank, r in enumerate(result.results, start=1):
        section = f" › {r.section}" if r.section else ""
        click.echo(f"{rank:2}. {r.title}{section}  [{r.url}]  {r.score:.4f}")
    if result.degraded:
        click.echo("(semantic search unavailable: full-text results only)", err=True)


@click.command("suggest")
@click.argument("text")
@click.option("--url", default=None, help="The page the customer is on (for `suggest_for` page rules).")
@click.option("--limit", type=click.IntRange(1, 20), default=None, help="How many (default: KB_SUGGEST_LIMIT).")
@click.option("--locale", default=None, help=LOCALE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@with_appcontext
def suggest_command(text: str, url: str | None, limit: int | None, locale: str | None, as_json: bool) -> None:
    """Suggest articles for what a customer wrote, as the beacon would."""
    from kb.query.suggest import run_suggest

    _use_locale(locale, text)
    suggested = run_suggest(text, url=url, limit=limit)
    found = suggested.items
    if as_json:
        answer = suggested.answer.to_dict() if suggested.answer else None
        payload = {"suggestions": [s.to_dict() for s in found], "answer": answer}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if suggested.answer:
        click.echo(f"Answer: {suggested.answer.text}  [{suggested.answer.url}]")
    if not found:
        click.echo("No confident suggestion (the customer would see the contact form).")
    for rank, s in enumerate(found, start=1):
        section = f" › {s.section}" if s.section else ""
        click.echo(f"{rank:2}. {s.title}{section}  [{s.url}]  {s.score:.2f} ({', '.join(s.reasons)})")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--dev", is_flag=True, help="Flask's development server; rebuilds the index when an article changes.")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="gunicorn workers (default: CPU count).")
@with_appcontext
def serve_command(host: str, port: int, dev: bool, workers: int | None) -> None:
    """Serve the help center (gunicorn, or Flask's server with --dev)."""
    from kb import serve

    app = current_app._get_current_object()
    upgrade_database(app)
    serve.ensure_index(app)
    if dev:
        serve.run_dev(app, host, port)
    else:
        serve.run_gunicorn(host, port, workers)


@click.group("db")
def db_group() -> None:
    """The database: its schema and the accounts declared in settings."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade_command() -> None:
    """Create or migrate the schema to this kb version and write the KB_AGENTS accounts (idempotent)."""
    upgrade_database(current_app)
    url = state_of(current_app).engine.url.render_as_string(hide_password=True)
    click.echo(f"Database {url} is up to date.")


def upgrade_database(app) -> None:
    """Make the data folder ready: the folder itself, the session key kept there when ``KB_SECRET_KEY`` is not set,
    the database schema up to date and the ``KB_AGENTS`` accounts. What ``kb serve`` and ``kb index`` do before
    anything else, and ``make run`` on a fresh install (the app factory writes nothing)."""
    from kb import auth, db
    from kb.config import keep_secret_key

    state = state_of(app)
    Path(app.config["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if not state.secret_key_kept:
        app.config["SECRET_KEY"] = keep_secret_key(app.config["DATA_DIR"])
        state.secret_key_kept = True
    db.migrate(state.engine)
    auth.sync_config_agents(app.config, state.engine)


COMMANDS = (
    check_command,
    index_command,
    search_command,
    suggest_command,
    eval_command,
    outbox_command,
    serve_command,
    db_group,
    agents_group,
    tokens_group,
    analytics_group,
)


def _errors_as_click(command: click.Command) -> click.Command:
    """Make ``command`` (and a group's subcommands) print kb's own errors as one clean line, exit code 1."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _errors_as_click(sub)
    if command.callback is None or getattr(command.callback, "_kb_errors", False):
        return command
    callback = command.callback

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except KBError as e:
            raise click.ClickException(e.message) from e

    run._kb_errors = True  # type: ignore[attr-defined]
    command.callback = run
    return command


for _command in COMMANDS:
    _errors_as_click(_command)


def init_app(app) -> None:
    """Add the kb commands to ``app.cli``, where ``app.test_cli_runner()`` finds them; the ``kb`` command has
    them already. Not called by the factory: the command line sits above the app it creates."""
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from kb import create_app

    try:
        return create_app()
    except KBError as e:
        raise click.ClickException(e.message) from e


cli = click.Group(
    name="kb",
    help="kb: a self-hosted knowledge base with suggested articles.\n\n"
    "Settings come from KB_* environment variables (see the configuration article).",
    context_settings={"obj": ScriptInfo(create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False)},
)
for _command in COMMANDS:
    cli.add_command(_command)


def main() -> None:
    cli.main(prog_name="kb")
