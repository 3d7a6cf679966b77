"""The way to a person: every help-center page links to the contact form, and so does the thanks for a "No" vote."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.app import csrf_token

CONTACT_LINK = re.compile(r'<a\b([^>]*)\bhref="/contact"([^>]*)>Contact us</a>')
OFFER = re.compile(r'<p class="feedback-contact" data-feedback-contact>.*?href="/contact".*?</p>', re.S)


def contact_links(html: str) -> list[str]:
    """The attributes of each "Contact us" link to /contact (besides its href), in page order."""
    return [" ".join((before + after).split()) for before, after in CONTACT_LINK.findall(html)]


def header_of(html: str) -> str:
    return html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]


def footer_of(html: str) -> str:
    return html.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]


@pytest.mark.parametrize(
    "path",
    ["/", "/categories/account", "/articles/reset-password", "/search?q=password", "/search", "/nowhere"],
)
def test_every_help_center_page_links_to_the_contact_form(client, path):
    html = client.get(path).get_data(as_text=True)
    assert contact_links(header_of(html)) == ['class="header-contact"']
    assert contact_links(footer_of(html)) == [""]


def test_the_contact_page_marks_its_own_header_link_as_current(client):
    html = client.get("/contact").get_data(as_text=True)
    assert contact_links(header_of(html)) == ['class="header-contact" aria-current="page"']


def test_no_contact_link_where_there_is_no_contact_form(app):
    del app.view_functions["contact.form"]  # a help center without the contact form (as the context processor asks)
    html = app.test_client().get("/articles/reset-password").get_data(as_text=True)
    assert 'href="/contact"' not in html and "Contact us" not in html


def vote(client, helpful: str) -> str:
    """Vote on the reset-password article through its form; returns the page the vote leads back to."""
    page = client.get("/articles/reset-password").get_data(as_text=True)
    response = client.post(
        "/articles/reset-password/feedback", data={"csrf_token": csrf_token(page), "helpful": helpful}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("#feedback")
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_no_vote_offers_the_contact_form_with_the_thanks(client):
    feedback = vote(client, "no").split('id="feedback"', 1)[1].split("</section>", 1)[0]
    assert '<p class="flash" role="status">Thanks, we&#39;ll use this to improve the article.</p>' in feedback
    offer = OFFER.search(feedback)
    assert offer and "Contact us" in offer.group(0)
    again = client.get("/articles/reset-password").get_data(as_text=True)
    assert not OFFER.search(again)  # a flashed thanks: shown once


def test_a_yes_vote_is_thanked_without_the_offer(client):
    html = vote(client, "yes")
    assert '<p class="flash" role="status">Thanks for your feedback!</p>' in html
    assert not OFFER.search(html)
