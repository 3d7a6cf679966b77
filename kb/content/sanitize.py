"""The HTML allowlist. Everything an article renders to passes through :func:`clean_html`.

Python-Markdown passes raw HTML through untouched, so an author (or text pasted into an article) could
otherwise inject script. The allowlist keeps what help articles need: text formatting, headings with
anchor ids, lists, tables, code with highlighting classes, images, admonitions and details blocks.
"""

from __future__ import annotations

import bleach

ALLOWED_TAGS = frozenset(
    """a abbr b blockquote br caption code dd del details div dl dt em figcaption figure h1 h2 h3 h4 h5 h6 hr i
    img ins kbd li mark ol p pre s samp small span strong sub summary sup table tbody td tfoot th thead tr u ul
    var""".split()
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "id", "rel"],
    "img": ["src", "alt", "title", "width", "height", "loading"],
    "abbr": ["title"],
    "ol": ["start"],
    "li": ["id"],
    "sup": ["id"],
    "th": ["align", "colspan", "rowspan", "scope"],
    "td": ["align", "colspan", "rowspan"],
    **{tag: ["id"] for tag in _HEADINGS},
    **{tag: ["class"] for tag in ("code", "pre", "span", "div", "p", "table")},
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})

_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def clean_html(html: str) -> str:
    """Return ``html`` with every tag, attribute and URL scheme outside the allowlist removed."""
    return _cleaner.clean(html)
