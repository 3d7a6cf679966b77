"""Files beside the articles: served only when an article uses them, never through a link out of the folder,
and those of internal and draft articles to signed-in agents only (hardening finding 1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb import auth
from kb.content.pages import compile_articles
from kb.index.build import build_index
from tests.fixtures.agents import PASSWORD, signed_in
from tests.fixtures.app import make_app, make_config, shut_down
from tests.fixtures.model import FakeEncoder

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 16


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the articles folder that must never be served (stands for the session-signing key)."""
    path = tmp_path / "data" / "secret_key.txt"
    write(path, "the-session-signing-key")
    return path


@pytest.fixture
def articles(tmp_path, secret) -> Path:
    root = tmp_path / "articles"
    write(root / "guides" / "public.md", "# Public guide\n\nSee ![A chart](img/chart.png) and [the list](list.csv).\n")
    write(root / "guides" / "internal.md", "---\nstatus: internal\n---\n# Internal notes\n\n![Flow](flow.png)\n")
    write(root / "guides" / "draft.md", "---\nstatus: draft\n---\n# Draft\n\n[Plan](plan.txt)\n")
    (root / "guides" / "img").mkdir()
    (root / "guides" / "img" / "chart.png").write_bytes(PNG)
    (root / "guides" / "flow.png").write_bytes(PNG)
    write(root / "guides" / "list.csv", "a,b\n")
    write(root / "guides" / "plan.txt", "the plan")
    write(root / "guides" / "unused.txt", "nobody links me")
    # the probe's links: a file, a folder and a category description pointing out of the articles folder
    os.symlink(secret, root / "guides" / "k.txt")
    os.symlink(secret.parent, root / "guides" / "data")
    write(secret.parent / "_category.yml", "title: Stolen title\n")
    (root / "leak").mkdir()
    os.symlink(secret.parent / "_category.yml", root / "leak" / "_category.yml")
    write(secret.parent / "outside.md", "# Outside article\n\nNot ours.\n")
    os.symlink(secret.parent / "outside.md", root / "leak" / "outside.md")
    write(root / "leak" / "inside.md", "# Leak folder\n\n![Key](k.txt)\n")
    os.symlink(secret, root / "leak" / "k.txt")
    # a link that stays inside the folder is fine
    os.symlink(root / "guides" / "img" / "chart.png", root / "guides" / "chart-link.png")
    write(root / "guides" / "linked.md", "# Linked\n\n![Same chart](chart-link.png)\n")
    return root


@pytest.fixture
def assets_app(articles, tmp_path):
    data_dir = tmp_path / "data-index"
    build_index(articles, data_dir, encoder=FakeEncoder(), allow_errors=True)  # the links it refuses
    app = make_app(
        make_config(data_dir, ARTICLES_DIR=str(articles), DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    )
    with app.app_context():
        auth.add_agent("dana@example.com", PASSWORD, name="Dana")
    yield app
    shut_down(app)


def test_kb_check_refuses_every_link_out_of_the_articles_folder(articles, secret):
    problems = {(p.path, p.line, p.level): p.message for p in compile_articles(articles).problems}
    for path in ("guides/k.txt", "guides/data", "leak/_category.yml", "leak/outside.md", "leak/k.txt"):
        message = problems[(path, None, "error")]
        assert "outside the articles folder" in message and "kb does not read or serve it" in message
    # the article that shows the linked file is told so, at the line that does it
    assert problems[("leak/inside.md", 3, "error")] == (
        "image k.txt is a link to outside the articles folder, which kb does not serve"
    )
    assert "guides/chart-link.png" not in {path for path, _, _ in problems}


def test_kb_check_command_fails_on_a_link_out_of_the_folder(assets_app):
    result = assets_app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "guides/k.txt: error: symbolic link to" in result.output


def test_linked_files_from_outside_are_never_read_as_articles_or_categories(assets_app):
    client = assets_app.test_client()
    assert client.get("/articles/outside").status_code == 404
    html = client.get("/categories/leak").get_data(as_text=True)
    assert "Stolen title" not in html and "Leak" in html


@pytest.mark.parametrize(
    "url",
    ["/assets/guides/k.txt", "/assets/guides/data/secret_key.txt", "/assets/leak/k.txt", "/assets/guides/img/../k.txt"],
)
def test_a_link_out_of_the_folder_is_never_served_even_to_agents(assets_app, url):
    for client in (assets_app.test_client(), signed_in(assets_app, "dana@example.com")):
        response = client.get(url)
        assert response.status_code == 404
        assert b"the-session-signing-key" not in response.data


def test_files_of_published_articles_are_public(assets_app):
    client = assets_app.test_client()
    with client.get("/assets/guides/img/chart.png") as response:
        assert response.status_code == 200 and response.mimetype == "image/png" and response.data == PNG
        assert "public" in response.headers["Cache-Control"]
    with client.get("/assets/guides/list.csv") as response:
        assert response.status_code == 200
    with client.get("/assets/guides/chart-link.png") as response:  # a link that stays inside is followed
        assert response.data == PNG


@pytest.mark.parametrize("url", ["/assets/guides/flow.png", "/assets/guides/plan.txt"])
def test_files_only_internal_or_draft_articles_use_are_for_signed_in_agents(assets_app, url):
    assert assets_app.test_client().get(url).status_code == 404
    with signed_in(assets_app, "dana@example.com").get(url) as response:
        assert response.status_code == 200
        assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]


def test_a_file_no_article_uses_is_not_served(assets_app):
    assert assets_app.test_client().get("/assets/guides/unused.txt").status_code == 404
    assert signed_in(assets_app, "dana@example.com").get("/assets/guides/unused.txt").status_code == 404
