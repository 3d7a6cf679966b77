"""``kb eval``: how well search and the suggestion engine rank the right answers of a labelled set, what a
suggestion costs against the model's own time, and what each confidence threshold would do.

Registered with the others by :mod:`kb.cli`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from search.hybrid import MODES


@click.command("eval")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--endpoint",
    type=click.Choice(["search", "suggest"]),
    default="search",
    show_default=True,
    help="What to measure: search (the ranking modes) or suggest (the suggestion engine, its time and thresholds).",
)
@click.option(
    "--mode",
    type=click.Choice([*MODES, "all", "suggest"]),
    default="all",
    show_default=True,
    help="Ranking modes to compare (`suggest` is the same as --endpoint suggest).",
)
@click.option(
    "--negatives",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="With --endpoint suggest: another set whose questions this one cannot answer (false-suggestion rate).",
)
@click.option(
    "--locale",
    default=None,
    help="The set's language (e.g. pt-BR), which decides its analyzer and model; default: detected from its documents.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@with_appcontext
def eval_command(
    folder: Path, endpoint: str, mode: str, negatives: Path | None, locale: str | None, as_json: bool
) -> None:
    """Measure ranking quality on a labelled set (corpus.jsonl, queries.jsonl, qrels.tsv)."""
    from kb.content.locales import Locale, canonical, tag_problem
    from search.evaluate import METRICS, evaluate, load_eval_set

    if locale is not None and (problem := tag_problem(locale)):
        raise click.BadParameter(problem, param_hint="--locale")
    eval_set = load_eval_set(folder, canonical(locale) if locale else None)
    model = _model_of(Locale(eval_set.language))
    modes = ([m for m in MODES if m != "hybrid"] + ["hybrid"]) if mode in ("all", "suggest") else [mode]  # fusion last
    if endpoint == "suggest" or mode == "suggest":
        others = list(load_eval_set(negatives, eval_set.language).queries.values()) if negatives else []
        _eval_suggest(eval_set, others, modes, as_json, model)
        return
    holder = _holder(model)
    encoder = holder.get() if modes != ["fulltext"] else None
    if encoder is None and modes != ["fulltext"]:
        click.echo(f"Semantic search unavailable ({holder.error}): evaluating full-text only.", err=True)
        modes = ["fulltext"]
    results = evaluate(eval_set, modes, encoder, _document_encoder(model) if encoder is not None else None)
    if as_json:
        payload = {"set": eval_set.name, "queries": len(eval_set.queries), "docs": len(eval_set.docs), "modes": results}
        click.echo(json.dumps({**payload, "language": eval_set.language, "model": model}, indent=2))
        return
    click.echo(
        f"{eval_set.name}: {len(eval_set.docs)} documents ({eval_set.language}, {model}), "
        f"{len(eval_set.queries)} queries with answers"
    )
    click.echo(f"{'mode':10}" + "".join(f"{m:>10}" for m in METRICS))
    for name, figures in results.items():
        click.echo(f"{name:10}" + "".join(f"{figures[m]:>10.3f}" for m in METRICS))


def _model_of(locale) -> str:
    """The model ``kb index`` would embed this locale's articles with."""
    from kb.index.serving import model_for

    return model_for(current_app.config, locale)


def _holder(model: str):
    from kb.index.serving import encoder_holder

    return encoder_holder(current_app, model=model)


def _document_encoder(model: str):
    """The corpus is embedded as ``kb index`` embeds articles (the original model), queries as the server does
    (the int8 export when there is one): what ``kb eval`` measures is what customers get."""
    from kb.index.serving import encoder_holder

    return encoder_holder(current_app, for_documents=True, model=model).get()


def _eval_suggest(eval_set, negatives: list[str], modes: list[str], as_json: bool, model: str) -> None:
    from search.evaluate import METRICS
    from suggest.evaluate import evaluate_suggestions

    holder = _holder(model)
    encoder = holder.get()
    if encoder is None:
        click.echo(f"Semantic search unavailable ({holder.error}): suggestions from keywords only.", err=True)
    result = evaluate_suggestions(eval_set, encoder, negatives, modes, _document_encoder(model) if encoder else None)
    if as_json:
        click.echo(json.dumps({"set": eval_set.name, "queries": len(eval_set.queries), **result}, indent=2))
        return
    click.echo(f"{eval_set.name}: suggestion engine, {len(eval_set.queries)} whole texts as input")
    click.echo(f"{'mode':10}" + "".join(f"{m:>10}" for m in METRICS) + f"{'median ms':>11}")
    for name, figures in result["modes"].items():
        click.echo(f"{name:10}" + "".join(f"{figures[m]:>10.3f}" for m in METRICS) + f"{figures['median_ms']:>11.1f}")
    if result["model_ms"] is not None:
        click.echo(
            f"the model alone, one call: median {result['model_ms']:.1f} ms on the question, "
            f"{result['model_whole_ms']:.1f} ms on the whole text"
        )
    click.echo(f"{'min_score':>10}{'coverage':>10}{'top right':>10}{'right@3':>10}{'kept':>8}{'false sugg.':>12}")
    for row in result.get("thresholds", []):
        false = f"{row['false_suggestions']:>12.1%}" if row["false_suggestions"] is not None else f"{'-':>12}"
        click.echo(
            f"{row['min_score']:>10.2f}{row['coverage']:>10.1%}{row['precision@1']:>10.1%}"
            f"{row['confident_right@3']:>10.1%}{row['kept']:>8.1%}{false}"
        )
