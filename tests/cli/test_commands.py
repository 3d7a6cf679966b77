from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kb.cli import cli
from kb.state import state_of
from tests.fixtures.app import EVALSET


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_check_passes_on_the_test_articles(runner):
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "Checked 6 articles" in result.output
    assert "0 error(s)" in result.output


def test_check_reports_every_broken_reference_with_file_and_line(runner, tmp_path):
    write(
        tmp_path,
        "a/one.md",
        "---\ntitle: One\nsummary: s\nrelated: [nope]\n---\n## Here\n\nSee [two](two.md#missing).\n\n"
        "![pic](pic.png) and [gone](gone.md) and [up](../../etc/passwd.md)\n",
    )
    write(tmp_path, "a/two.md", "---\ntitle: Two\nsummary: s\n---\n## Real heading\n\nBack to [one](one.md#here).\n")
    write(tmp_path, "a/bad.md", "---\ntitle: [oops\n---\n")
    result = runner.invoke(args=["check", "--articles", str(tmp_path)])
    assert result.exit_code == 1
    out = result.output
    assert "a/one.md:4: error: `related` names 'nope', which is not an article slug" in out
    assert "a/one.md:8: error: link to two.md#missing: a/two.md has no heading #missing (anchors: real-heading)" in out
    assert "a/one.md:10: error: image pic.png not found (looked for a/pic.png)" in out
    assert "a/one.md:10: error: link to gone.md: no article at a/gone.md" in out
    assert "a/one.md:10: error: ../../etc/passwd.md points outside the articles folder" in out
    assert "a/bad.md:" in out and "invalid YAML" in out
    assert "Aborted with 6 problem(s)" in out
    assert "one.md#here" not in out  # the valid link is not reported


def test_check_strict_fails_on_warnings(runner, tmp_path):
    write(tmp_path, "a/one.md", "---\ntitle: One\n---\nNo summary here.\n")
    assert runner.invoke(args=["check", "--articles", str(tmp_path)]).exit_code == 0
    strict = runner.invoke(args=["check", "--articles", str(tmp_path), "--strict"])
    assert strict.exit_code == 1
    assert "warning: no `summary`" in strict.output
    assert "in strict mode" in strict.output


def test_index_then_search_from_the_cli(runner, tmp_path, app):
    app.config["DATA_DIR"] = str(tmp_path)
    result = runner.invoke(args=["index"])
    assert result.exit_code == 0, result.output
    assert "Indexed 5 articles" in result.output
    result = runner.invoke(args=["search", "download invoice", "--json"])
    payload = json.loads(result.output)
    assert payload["results"][0]["slug"] == "invoices"
    assert set(payload) == {"query", "mode", "degraded", "total", "did_you_mean", "confident", "answer", "results"}
    text = runner.invoke(args=["search", "recovry", "--mode", "fulltext"])
    assert "Did you mean: recovery" in text.output
    assert "/articles/two-factor-authentication#recovery-codes" in text.output


def test_search_without_an_index_says_how_to_fix_it(runner, tmp_path, app):
    app.config["DATA_DIR"] = str(tmp_path)
    state_of(app).indexes.__init__(tmp_path)
    result = runner.invoke(args=["search", "anything"])
    assert result.exit_code == 1
    assert "Run `kb index` to build it" in result.output


def test_console_script_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("check", "index", "search", "suggest", "eval", "serve"):
        assert command in result.output


def test_suggest_from_the_cli(runner):
    result = runner.invoke(args=["suggest", "where do I download invoices", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["suggestions"][0]["slug"] == "invoices"
    text = runner.invoke(args=["suggest", "anything", "--url", "https://app.example.com/billing/x"])
    assert "Download invoices" in text.output and "page rule" in text.output


def test_eval_reports_each_mode(runner):
    result = runner.invoke(args=["eval", str(EVALSET), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["queries"] == 3 and payload["docs"] == 4  # q4 has no labelled answer
    assert set(payload["modes"]) == {"fulltext", "semantic", "hybrid"}
    for figures in payload["modes"].values():
        assert set(figures) == {"ndcg@10", "recall@5", "mrr@10"}
    assert payload["modes"]["fulltext"]["mrr@10"] == 1.0


def test_eval_suggest_reports_thresholds(runner):
    result = runner.invoke(args=["eval", str(EVALSET), "--mode", "suggest", "--negatives", str(EVALSET)])
    assert result.exit_code == 0, result.output
    assert "min_score" in result.output and "coverage" in result.output and "kept" in result.output


def test_eval_suggest_endpoint_times_each_mode_against_the_model(runner):
    result = runner.invoke(args=["eval", str(EVALSET), "--endpoint", "suggest", "--negatives", str(EVALSET), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload["modes"]) == {"fulltext", "semantic", "hybrid"}
    for figures in payload["modes"].values():
        assert set(figures) == {"ndcg@10", "recall@5", "mrr@10", "median_ms"} and figures["median_ms"] >= 0
    assert payload["model_ms"] >= 0 and payload["model_whole_ms"] >= 0
    every_threshold = payload["thresholds"]
    assert [row["min_score"] for row in every_threshold] == sorted(row["min_score"] for row in every_threshold)
    assert every_threshold[0]["false_suggestions"] == 1.0  # at 0 every question of another set gets one
    assert all(0 <= row["kept"] <= 1 for row in every_threshold)


def test_eval_refuses_a_folder_without_the_files(runner, tmp_path):
    result = runner.invoke(args=["eval", str(tmp_path)])
    assert result.exit_code == 1
    assert "needs corpus.jsonl, queries.jsonl and qrels.tsv" in result.output
