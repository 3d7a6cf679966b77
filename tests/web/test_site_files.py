"""The site's own files (kb.web.site_files): the sitemap and robots.txt, for public pages at the base URL."""

from __future__ import annotations


def test_sitemap_lists_public_pages_only(client):
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/articles/reset-password</loc><lastmod>2026-11-01</lastmod>" in xml
    assert "<loc>http://localhost/categories/account</loc>" in xml
    assert "draft-pricing" not in xml and "internal-refund-policy" not in xml


def test_base_url_setting_is_used_for_canonical_links(client, app):
    app.config["BASE_URL"] = "https://help.example.com/"
    assert "Sitemap: https://help.example.com/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)
