from __future__ import annotations

import threading

import pytest

from kb.errors import ContentError
from kb.index import serving
from kb.index.build import build_index
from kb.index.layout import current_build_dir, index_root
from tests.fixtures.app import make_app, make_config
from tests.fixtures.model import FakeEncoder


class CountingEncoder(FakeEncoder):
    def __init__(self):
        self.documents = 0

    def encode_documents(self, texts):
        self.documents += len(texts)
        return super().encode_documents(texts)


class BrokenEncoder(FakeEncoder):
    def encode_documents(self, texts):
        raise OSError(28, "No space left on device")


@pytest.fixture
def fresh(articles_copy, tmp_path, monkeypatch):
    """A writable articles folder, its own data folder, and an app that notices new builds at once."""
    monkeypatch.setattr(serving, "CHECK_INTERVAL", 0.0)
    data_dir = tmp_path / "data"
    build_index(articles_copy, data_dir, encoder=FakeEncoder())
    app = make_app(make_config(data_dir, ARTICLES_DIR=str(articles_copy)))
    return articles_copy, data_dir, app


def search_slugs(client, q: str) -> list[str]:
    return [r["slug"] for r in client.get("/api/v1/search", query_string={"q": q}).get_json()["results"]]


def test_incremental_build_re_embeds_only_changed_sections(fresh):
    articles, data_dir, _ = fresh
    path = articles / "billing" / "invoices.md"
    path.write_text(path.read_text().replace("Edit the address", "Update the postal address"))
    encoder = CountingEncoder()
    report = build_index(articles, data_dir, encoder=encoder)
    # only "Change the billing address" changed: it and its sentences are embedded again, nothing else
    assert report.sentences_embedded > 0
    assert encoder.documents == 1 + report.sentences_embedded
    assert (report.embedded, report.fulltext_updated, report.fulltext_removed) == (1, 1, 0)
    assert report.reused == report.sections - 1


def test_full_build_re_embeds_everything(fresh):
    articles, data_dir, _ = fresh
    encoder = CountingEncoder()
    report = build_index(articles, data_dir, encoder=encoder, full=True)
    assert report.sections == report.embedded
    assert encoder.documents == report.embedded + report.sentences_embedded


def test_deleted_articles_disappear(fresh):
    articles, data_dir, app = fresh
    client = app.test_client()
    assert "invoices" in search_slugs(client, "invoices")
    (articles / "billing" / "invoices.md").unlink()
    report = build_index(articles, data_dir, encoder=FakeEncoder())
    assert report.fulltext_removed == 3
    assert "invoices" not in search_slugs(client, "invoices")
    assert client.get("/articles/invoices").status_code == 404


def test_running_server_picks_up_a_new_build_without_restart(fresh):
    articles, data_dir, app = fresh
    client = app.test_client()
    assert search_slugs(client, "quokka") == []
    (articles / "account" / "quokka.md").write_text(
        "---\ntitle: Quokka mode\nsummary: s\n---\n## Enable quokka\n\nText.\n"
    )
    build_index(articles, data_dir, encoder=FakeEncoder())
    assert search_slugs(client, "quokka") == ["quokka"]
    assert client.get("/articles/quokka").status_code == 200


def test_a_failed_build_leaves_the_previous_index_serving(fresh):
    articles, data_dir, app = fresh
    before = current_build_dir(index_root(data_dir))
    (articles / "account" / "new.md").write_text("---\ntitle: New\nsummary: s\n---\nText\n")
    with pytest.raises(OSError):
        build_index(articles, data_dir, encoder=BrokenEncoder())
    assert current_build_dir(index_root(data_dir)) == before
    assert not list((index_root(data_dir) / "builds").glob(".tmp-*"))
    assert "invoices" in search_slugs(app.test_client(), "invoices")


def test_readers_never_see_a_half_built_index(fresh):
    articles, data_dir, app = fresh
    errors: list[str] = []
    stop = threading.Event()

    def read():
        client = app.test_client()
        while not stop.is_set():
            response = client.get("/api/v1/search?q=invoice")
            if response.status_code != 200 or "invoices" not in [r["slug"] for r in response.get_json()["results"]]:
                errors.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for i in range(6):
            path = articles / "account" / "reset-password.md"
            path.write_text(path.read_text() + f"\nEdit {i}.\n")
            build_index(articles, data_dir, encoder=FakeEncoder(), full=(i % 2 == 0))
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert errors == []
    assert len(list((index_root(data_dir) / "builds").iterdir())) <= 3  # old builds are pruned


def test_broken_article_is_skipped_and_the_rest_served_when_errors_are_allowed(fresh):
    articles, data_dir, app = fresh
    (articles / "account" / "broken.md").write_text("---\ntitle: [oops\n---\n")
    report = build_index(articles, data_dir, encoder=FakeEncoder(), allow_errors=True)
    assert any(p.path == "account/broken.md" for p in report.problems)
    assert app.test_client().get("/articles/reset-password").status_code == 200


def test_an_index_with_errors_is_not_published(fresh):
    articles, data_dir, _ = fresh
    before = current_build_dir(index_root(data_dir))
    (articles / "account" / "broken.md").write_text("---\ntitle: [oops\n---\n")
    with pytest.raises(ContentError) as refused:
        build_index(articles, data_dir, encoder=FakeEncoder())
    assert "account/broken.md:3: error: invalid YAML" in refused.value.message
    assert "kb index --allow-errors" in refused.value.message
    assert current_build_dir(index_root(data_dir)) == before


def test_a_slug_taken_over_from_an_earlier_folder_is_not_published(fresh):
    """Hardening finding 11: a file claiming a shipped article's slug must not silently replace it."""
    articles, data_dir, app = fresh
    (articles / "aaa").mkdir()
    (articles / "aaa" / "takeover.md").write_text(
        "---\nslug: reset-password\n---\n# Call this number\n\nGive us your card.\n"
    )
    result = app.test_cli_runner().invoke(args=["index", "--articles", str(articles)])
    assert result.exit_code == 1
    assert "Not published" in result.output and "reset-password" in result.output
    html = app.test_client().get("/articles/reset-password").get_data(as_text=True)
    assert "Reset your password" in html and "Give us your card" not in html


def test_build_without_encoder_is_fulltext_only_and_search_degrades(fresh):
    articles, data_dir, app = fresh
    build_index(articles, data_dir, encoder=None, full=True)
    client = app.test_client()
    payload = client.get("/api/v1/search?q=invoice").get_json()
    assert payload["mode"] == "fulltext"
    assert payload["results"][0]["slug"] == "invoices"
    health = client.get("/healthz").get_json()
    assert health["mode"] == "degraded" and health["index"]["semantic"] is False


def test_unchanged_articles_are_not_rendered_again(fresh):
    articles, data_dir, _ = fresh
    path = articles / "billing" / "invoices.md"
    path.write_text(path.read_text().replace("Edit the address", "Update the postal address"))
    report = build_index(articles, data_dir, encoder=FakeEncoder())
    assert report.rendered == 1


def test_a_new_article_re_renders_all_since_links_may_change(fresh):
    articles, data_dir, _ = fresh
    (articles / "account" / "new.md").write_text("---\ntitle: New\nsummary: s\n---\nText\n")
    assert build_index(articles, data_dir, encoder=FakeEncoder()).rendered == 7  # drafts included


def test_links_from_unchanged_articles_are_still_checked(fresh):
    articles, data_dir, _ = fresh
    path = articles / "account" / "two-factor-authentication.md"
    path.write_text(path.read_text().replace("## Recovery codes", "## Backup codes"))
    report = build_index(articles, data_dir, encoder=FakeEncoder(), allow_errors=True)
    assert report.rendered == 1
    assert [str(p) for p in report.problems if p.level == "error"] == [
        "account/reset-password.md:21: error: link to two-factor-authentication.md#recovery-codes: "
        "account/two-factor-authentication.md has no heading #recovery-codes (anchors: backup-codes, "
        "backup-codes_1, turn-on-2fa)"
    ]


def test_dev_server_watcher_rebuilds_when_an_article_changes(fresh, monkeypatch):
    from kb import serve

    articles, data_dir, app = fresh
    monkeypatch.setattr(serve, "WATCH_INTERVAL", 0.05)
    before = current_build_dir(index_root(data_dir))
    stop = threading.Event()
    watcher = threading.Thread(target=serve.watch_articles, args=(app, stop, serve.articles_fingerprint(articles)))
    watcher.start()
    try:
        (articles / "account" / "watched.md").write_text("---\ntitle: Watched\nsummary: s\n---\nNew text.\n")
        for _ in range(200):
            if current_build_dir(index_root(data_dir)) != before:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        watcher.join()
    assert current_build_dir(index_root(data_dir)) != before
    assert app.test_client().get("/articles/watched").status_code == 200


def test_a_full_disk_during_kb_index_keeps_the_old_index_serving(articles_copy, tmp_path):
    import os
    import subprocess

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(data_dir)]).returncode
    ):
        pytest.skip("mounting a small tmpfs needs root")
    try:
        app = make_app(
            make_config(data_dir, ARTICLES_DIR=str(articles_copy), DATABASE_URL=f"sqlite:///{tmp_path / 'kb.db'}")
        )
        runner = app.test_cli_runner()
        assert runner.invoke(args=["index"]).exit_code == 0
        before = current_build_dir(index_root(data_dir))
        words = " ".join(f"word{n}" for n in range(3000))
        for n in range(60):  # a few MB of new text: more than the disk has left
            (articles_copy / "guides" / f"big-{n}.md").write_text(f"---\ntitle: Big {n}\n---\n{words} unique{n}\n")
        result = runner.invoke(args=["index"])
        assert result.exit_code == 1
        assert "No space left on device" in result.output and "previous index" in result.output
        assert current_build_dir(index_root(data_dir)) == before
        assert not list((index_root(data_dir) / "builds").glob(".tmp-*"))  # the half-written build is gone
        assert "invoices" in search_slugs(app.test_client(), "invoices")
    finally:
        subprocess.run(["umount", "--lazy", str(data_dir)])  # the app may still hold index files open


def test_kb_serve_rebuilds_an_index_that_an_older_kb_built(tmp_path):
    import json

    from kb import serve
    from kb.index.layout import SCHEMA_VERSION, read_manifest
    from tests.fixtures.app import ARTICLES

    app = make_app(make_config(tmp_path / "data", DATABASE_URL="sqlite://"))
    build_index(ARTICLES, tmp_path / "data", encoder=FakeEncoder())
    root = index_root(tmp_path / "data")
    first = current_build_dir(root)
    serve.ensure_index(app)
    assert current_build_dir(root) == first  # current: nothing to do
    manifest = read_manifest(first)
    (first / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 1}), "utf-8")
    serve.ensure_index(app)
    rebuilt = current_build_dir(root)
    assert rebuilt != first and read_manifest(rebuilt)["schema_version"] == SCHEMA_VERSION
