"""The served site: page outlines in memory, page content read from the build when a page is shown."""

from __future__ import annotations

from pathlib import Path

from kb.content.pages import CONTENT_FIELDS
from kb.content.store import PageContents, Site
from kb.index.layout import current_build_dir, index_root


def saved_site(built_data_dir) -> Path:
    return current_build_dir(index_root(built_data_dir)) / "pages.json"


def test_lazy_pages_read_the_same_content_as_a_full_load(built_data_dir):
    lazy = Site.load(saved_site(built_data_dir))
    full = Site.load(saved_site(built_data_dir), lazy=False)
    assert lazy.all_pages.keys() == full.all_pages.keys()
    for slug, page in lazy.all_pages.items():
        other = full.all_pages[slug]
        assert (page.outline_dict(), page.content_dict()) == (other.outline_dict(), other.content_dict())
        assert page.section("").text == full.all_pages[slug].sections[0].text


def test_a_lazy_page_holds_only_its_outline(built_data_dir):
    page = next(iter(Site.load(saved_site(built_data_dir)).pages.values()))
    assert not set(CONTENT_FIELDS) & set(vars(page))
    assert page.title and page.url.startswith("/articles/")
    assert "<" in page.html and page.sections


def test_only_the_most_recently_read_contents_are_kept(built_data_dir, monkeypatch):
    monkeypatch.setattr(PageContents, "CACHED", 2)
    site = Site.load(saved_site(built_data_dir))
    pages = list(site.all_pages.values())[:4]
    for page in pages:
        assert page.html
    store = pages[0]._store
    assert len(store._recent) == 2
    assert pages[0].html == Site.load(saved_site(built_data_dir), lazy=False).all_pages[pages[0].slug].html


def test_a_loaded_site_still_reads_its_pages_once_its_build_is_deleted(built_data_dir, tmp_path):
    # a server keeps answering from the build it opened while kb index prunes old builds
    copy = tmp_path / "pages.json"
    copy.write_bytes(saved_site(built_data_dir).read_bytes())
    contents = saved_site(built_data_dir).with_suffix(".content")
    copy.with_suffix(".content").write_bytes(contents.read_bytes())
    site = Site.load(copy)
    copy.with_suffix(".content").unlink()
    page = next(iter(site.all_pages.values()))
    assert page.html == Site.load(saved_site(built_data_dir), lazy=False).all_pages[page.slug].html
