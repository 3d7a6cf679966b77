"""The HTML allowlist against known XSS vectors, both on its own and through the whole Markdown pipeline.

Every vector is checked twice: ``clean_html(vector)`` directly, and the vector embedded in an article body
(in several Markdown contexts) that goes through ``parse_article`` + ``render_article``. The output is then
parsed with a real HTML parser (the stdlib's ``html.parser`` and, where available, the html5lib parser
that bleach vendors, which builds the tree the way a browser does, SVG/MathML namespaces included).
"""

from __future__ import annotations

import re

import pytest

from kb.content.articles import parse_article
from kb.content.render import render_article
from kb.content.sanitize import clean_html
from tests.fixtures.html import ARTICLE_PATH, SLUGS, assert_safe, elements, render_body

DATA_HTML = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
# What the renderer adds to every code block after sanitizing (a tab stop, so the keyboard can scroll it)
CODE_REGION = 'tabindex="0" role="region" aria-label="Code sample"'

# (id, vector): raw HTML and Markdown that tries to run script. Ids are what pytest shows.
VECTORS = [
    # <script> in casings, splits and malformed forms
    ("script-lower", "<script>alert(1)</script>"),
    ("script-upper", "<SCRIPT>alert(1)</SCRIPT>"),
    ("script-mixed-case", "<ScRiPt>alert(1)</sCrIpT>"),
    ("script-src", '<script src="//evil.example/x.js"></script>'),
    ("script-slash-attr", "<script/xss src=//evil.example/x.js></script>"),
    ("script-newline-in-tag", "<script\n>alert(1)</script\n>"),
    ("script-split-nested", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-unclosed", "<script>alert(1)"),
    ("script-double-open", "<<script>script>alert(1)<</script>/script>"),
    ("script-in-textarea-breakout", "<textarea></textarea><script>alert(1)</script>"),
    ("script-in-title-breakout", "<title></title><script>alert(1)</script>"),
    ("script-in-template", "<template><script>alert(1)</script></template>"),
    ("script-in-xmp", "<xmp><script>alert(1)</script></xmp>"),
    # event handlers
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onerror-upper", '<IMG SRC="x" ONERROR="alert(1)">'),
    ("img-onerror-slashes", '<img/src="x"/onerror=alert(1)>'),
    ("img-onerror-backticks", "<img src=`x` onerror=alert(1)>"),
    ("img-unclosed-onerror", "<img src=x onerror=alert(1)//"),
    ("img-unclosed-onerror-before-tag", "<img src=x onerror=alert(1)// <b>bold</b>"),
    ("a-onmouseover", '<a href="https://ok.example/" onmouseover="alert(1)">x</a>'),
    ("div-onclick-allowed-tag", '<div class="note" onclick="alert(1)">x</div>'),
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-slash-onload", "<svg/onload=alert(1)>"),
    ("body-onload", "<body onload=alert(1)>"),
    ("input-onfocus-autofocus", "<input onfocus=alert(1) autofocus>"),
    ("details-open-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary>y</details>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    ("video-source-onerror", "<video><source onerror=alert(1)></video>"),
    ("audio-src-onerror", "<audio src=x onerror=alert(1)>"),
    # embedding elements
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    ("svg-a-xlink-href", '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>'),
    ("svg-animate-href", '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</a></svg>'),
    ("svg-foreignobject", "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>"),
    ("iframe-javascript", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    ("object-data", '<object data="javascript:alert(1)"></object>'),
    ("embed-src", f'<embed src="{DATA_HTML}">'),
    ("frameset", '<frameset><frame src="javascript:alert(1)"></frameset>'),
    ("video-poster", '<video poster="javascript:alert(1)"></video>'),
    ("img-srcset", '<img srcset="javascript:alert(1) 1x">'),
    # CSS
    ("style-tag", "<style>body{background:url(javascript:alert(1))}</style>"),
    ("style-tag-import", "<style>@import 'https://evil.example/x.css';</style>"),
    ("style-attr-expression", '<p style="width:expression(alert(1))">x</p>'),
    ("style-attr-url-javascript", "<div style=\"background:url('javascript:alert(1)')\">x</div>"),
    ("style-attr-behavior", '<span style="behavior:url(x.htc)">x</span>'),
    # URL schemes in href/src
    ("a-javascript", '<a href="javascript:alert(1)">x</a>'),
    ("a-javascript-mixed-case", '<a href="JaVaScRiPt:alert(1)">x</a>'),
    ("a-javascript-entity-decimal", '<a href="&#106;avascript:alert(1)">x</a>'),
    ("a-javascript-entity-padded", '<a href="&#0000106;&#0000097;vascript:alert(1)">x</a>'),
    (
        "a-javascript-entity-hex",
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    ),
    ("a-javascript-entity-no-semicolons", '<a href="&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)">x'),
    ("a-javascript-entity-colon", '<a href="javascript&colon;alert(1)">x</a>'),
    ("a-javascript-tab", '<a href="java\tscript:alert(1)">x</a>'),
    ("a-javascript-entity-tab", '<a href="java&#9;script:alert(1)">x</a>'),
    ("a-javascript-entity-newline", '<a href="java&#10;script:alert(1)">x</a>'),
    ("a-javascript-leading-space", '<a href="   javascript:alert(1)">x</a>'),
    ("a-javascript-leading-control", '<a href="&#1;&#14;javascript:alert(1)">x</a>'),
    ("a-javascript-unquoted", "<a href=javascript:alert(1)>x</a>"),
    ("a-data-html", f'<a href="{DATA_HTML}">x</a>'),
    ("a-data-upper", '<a href="DATA:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>'),
    ("a-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("img-src-javascript", '<img src="javascript:alert(1)">'),
    ("img-src-data-html", f'<img src="{DATA_HTML}">'),
    ("img-src-data-svg", '<img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;">'),
    # forms and document-level elements
    ("form-action-javascript", '<form action="javascript:alert(1)"><input type="submit"></form>'),
    ("button-formaction", '<button formaction="javascript:alert(1)">x</button>'),
    ("isindex-action", '<isindex action="javascript:alert(1)" type="image">'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("base-href", '<base href="javascript:alert(1)//">'),
    ("link-import", f'<link rel="import" href="{DATA_HTML}">'),
    ("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    # MathML and namespace confusion (mXSS)
    ("math-maction-xlink", '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction>'),
    ("math-href", '<math href="javascript:alert(1)"><mi>x</mi></math>'),
    ("math-style-img", "<math><style><img src=x onerror=alert(1)></style></math>"),
    ("math-mtext-mglyph-style", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>"),
    ("svg-p-style-mxss", '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'),
    ("noscript-title-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'),
    # comments and CDATA
    ("comment-hides-script", "<!--<script>alert(1)</script>-->"),
    ("comment-early-close", "<!--><script>alert(1)</script>-->"),
    ("comment-bang-close", "<!-- x --!><script>alert(1)</script>"),
    ("comment-conditional", "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->"),
    ("cdata-script", "<![CDATA[<script>alert(1)</script>]]>"),
    ("svg-cdata-breakout", "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>"),
    # Markdown syntax that produces links and images
    ("md-link-javascript", "[x](javascript:alert(1))"),
    ("md-link-javascript-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("md-link-javascript-entity", "[x](&#106;avascript:alert(1))"),
    ("md-link-javascript-entity-colon", "[x](javascript&colon;alert(1))"),
    ("md-link-javascript-entity-tab", "[x](java&#9;script:alert(1))"),
    ("md-link-javascript-angle", "[x](<javascript:alert(1)>)"),
    ("md-link-javascript-angle-space", "[x](< javascript:alert(1)>)"),
    ("md-link-data", f"[x]({DATA_HTML})"),
    ("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-reference-link", "[x][evil]\n\n[evil]: javascript:alert(1)"),
    ("md-reference-link-title", '[x][evil]\n\n[evil]: JAVASCRIPT:alert(1) "title"'),
    ("md-reference-link-angle", "[evil][]\n\n[evil]: <javascript:alert(1)>"),
    ("md-autolink-javascript", "<javascript:alert(1)>"),
    ("md-autolink-vbscript", "<vbscript:msgbox(1)>"),
    ("md-image-javascript", "![x](javascript:alert(1))"),
    ("md-image-data", f"![x]({DATA_HTML})"),
    ("md-image-alt-breakout", '![x" onerror="alert(1)](y.png)'),
    ("md-image-alt-html", "![<img src=x onerror=alert(1)>](y.png)"),
    ("md-image-title-breakout", '![x](y.png "t\\" onerror=\\"alert(1)")'),
    ("md-link-title-breakout", '[a](other.md "x\\" onmouseover=\\"alert(1)")'),
    ("md-link-title-breakout-single", "[a](other.md 'x\\' onmouseover=\\'alert(1)')"),
    ("md-link-text-html", "[<img src=x onerror=alert(1)>](other.md)"),
    ("md-heading-script", "## Heading <script>alert(1)</script>"),
    ("md-heading-img-onerror", "## <img src=x onerror=alert(1)> Title"),
    ("md-heading-setext-iframe", "Title <iframe src=javascript:alert(1)>\n-----"),
    ("md-admonition-title-img", '!!! note "<img src=x onerror=alert(1)>"\n    body'),
    ("md-admonition-title-script", '!!! warning "<script>alert(1)</script>"\n    body'),
    ("md-admonition-title-attr-breakout", '!!! tip "x\\" onclick=\\"alert(1)"\n    body'),
    ("md-admonition-class-breakout", '!!! note" onclick="alert(1)\n    body'),
    ("md-footnote-html", "Text[^1].\n\n[^1]: <img src=x onerror=alert(1)>"),
    ("md-table-cell-html", "| a |\n|---|\n| <svg onload=alert(1)> |"),
    ("md-deflist-html", "Term <script>alert(1)</script>\n:   <a href=javascript:alert(1)>x</a>"),
    ("md-code-span-script", "`<script>alert(1)</script>`"),
    ("md-html-block-with-markdown", '<div onclick="alert(1)">\n\n[x](javascript:alert(1))\n\n</div>'),
]
assert len(VECTORS) >= 40
assert len({vid for vid, _ in VECTORS}) == len(VECTORS), "vector ids must be unique"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.split("\n"))


# Markdown contexts a vector is embedded in for the full pipeline: name -> body builder.
CONTEXTS = {
    "paragraph": lambda v: f"Intro paragraph.\n\n{v}\n\nAfter the vector.\n",
    "inline": lambda v: f"Text before {v} and after.\n",
    "list-item": lambda v: "- first\n- " + _indent(v, "  ").lstrip() + "\n- last\n",
    "admonition": lambda v: "!!! note\n" + _indent(v, "    ") + "\n\nAfter.\n",
    "github-alert": lambda v: "> [!WARNING]\n" + _indent(v, "> ") + "\n\nAfter.\n",
    "blockquote": lambda v: _indent(v, "> ") + "\n",
}


# ------------------------------------------------------------------------------- the checker checks itself


@pytest.mark.parametrize(
    "markup",
    [
        "<script>x</script>",
        "<p onclick=x>y</p>",
        "<p style=color:red>y</p>",
        "<a href=' jav&#x09;ascript:x'>y</a>",
        "<img src='DATA:text/html,x'>",
        "<svg><a xlink:href='vbscript:x'>y</a></svg>",
        "<form>y</form>",
    ],
    ids=["script", "onclick", "style", "href-javascript", "src-data", "svg-xlink", "form"],
)
def test_assert_safe_rejects_unsafe_markup(markup):
    with pytest.raises(AssertionError):
        assert_safe(markup)


def test_assert_safe_accepts_plain_markup():
    assert_safe('<p class="x">a <a href="https://example.com/javascript:x">b</a> <img src="/assets/a.png"></p>')


# ------------------------------------------------------------------------------------------- the vectors


@pytest.mark.parametrize("vector", [v for _, v in VECTORS], ids=[vid for vid, _ in VECTORS])
def test_clean_html_neutralizes(vector):
    assert_safe(clean_html(vector))


@pytest.mark.parametrize("context", list(CONTEXTS))
@pytest.mark.parametrize("vector", [v for _, v in VECTORS], ids=[vid for vid, _ in VECTORS])
def test_pipeline_neutralizes(vector, context):
    rendered = render_body(CONTEXTS[context](vector))
    assert_safe(rendered.html)


@pytest.mark.parametrize("vector", [v for _, v in VECTORS], ids=[vid for vid, _ in VECTORS])
def test_pipeline_neutralizes_vector_as_leading_h1(vector):
    """A leading ``# H1`` becomes the title (not rendered into the body); whatever follows must be clean."""
    first, _, rest = vector.partition("\n")
    article, _ = parse_article(f"# {first}\n\n{rest}\n\nBody.\n", ARTICLE_PATH)
    assert article is not None
    assert_safe(render_article(article, SLUGS).html)


@pytest.mark.parametrize(
    "vector",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=javascript:alert(1)></iframe>"],
    ids=["script", "img-onerror", "iframe"],
)
def test_sanitizer_is_idempotent_on_vectors(vector):
    once = clean_html(vector)
    assert clean_html(once) == once


# ------------------------------------------------------------------------------------- code stays escaped


@pytest.mark.parametrize("lang", ["", "html", "python"], ids=["no-language", "html", "python"])
def test_fenced_code_with_script_is_escaped_inside_pre(lang):
    rendered = render_body(f"```{lang}\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```\n")
    assert_safe(rendered.html)
    assert "&lt;" in rendered.html
    pre = re.search(r"<pre[^>]*>(.*?)</pre>", rendered.html, re.S)
    assert pre, rendered.html
    text = re.sub(r"<[^>]+>", "", pre.group(1))  # the highlighting spans
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text.replace("&#x27;", "'")
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    code_section = rendered.sections[0]
    assert "<script>alert(1)</script>" in code_section.text  # the searchable text is the decoded code


def test_indented_code_with_script_is_escaped():
    rendered = render_body("Para.\n\n    <script>alert(1)</script>\n")
    assert_safe(rendered.html)
    code = "<code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code>"
    assert f"<pre {CODE_REGION}><span></span>{code}</pre>" in rendered.html


def test_code_span_with_script_is_escaped():
    rendered = render_body("Use `<script>alert(1)</script>` carefully.\n")
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in rendered.html


def test_image_alt_breakout_stays_inside_the_alt_attribute():
    rendered = render_body('![x" onerror="alert(1)](y.png)\n')
    assert_safe(rendered.html)
    [(tag, attrs)] = elements(rendered.html)[1:]  # after the <p>
    assert tag == "img"
    assert dict(attrs)["alt"] == 'x" onerror="alert(1)'


def test_link_title_breakout_stays_inside_the_title_attribute():
    rendered = render_body('[a](other.md "x\\" onmouseover=\\"alert(1)")\n')
    assert_safe(rendered.html)
    [link] = [dict(attrs) for tag, attrs in elements(rendered.html) if tag == "a"]
    assert set(link) == {"href", "title"}
    assert link["href"] == "/articles/other"
    assert "onmouseover=" in link["title"]  # the attempted breakout is kept as (harmless) title text


def test_admonition_title_html_is_sanitized_but_text_kept():
    rendered = render_body('!!! warning "Careful <img src=x onerror=alert(1)> <b>now</b>"\n    body\n')
    assert_safe(rendered.html)
    assert '<div class="admonition warning">' in rendered.html
    assert "<b>now</b>" in rendered.html


# ------------------------------------------------------------------------------- legitimate content stays


@pytest.mark.parametrize(
    "href",
    [
        "http://example.com/a?b=1&c=2",
        "https://example.com/path#frag",
        "mailto:help@example.com",
        "tel:+15551234567",
        "/articles/other",
        "../relative/page",
        "#local-anchor",
        "https://example.com/javascript:not-a-scheme",
    ],
    ids=["http", "https", "mailto", "tel", "absolute-path", "relative", "fragment", "javascript-in-path"],
)
def test_clean_html_keeps_safe_links(href):
    escaped = href.replace("&", "&amp;")
    markup = f'<a href="{escaped}" title="t">x</a>'
    assert clean_html(markup) == markup


@pytest.mark.parametrize(
    "source, href",
    [
        ("[x](http://example.com/)", "http://example.com/"),
        ("[x](https://example.com/a?b=1&c=2)", "https://example.com/a?b=1&c=2"),
        ("[x](mailto:help@example.com)", "mailto:help@example.com"),
        ("<https://example.com/auto>", "https://example.com/auto"),
        ("<help@example.com>", "mailto:help@example.com"),
        ("[x](other.md)", "/articles/other"),
        ("[x](other.md#setup)", "/articles/other#setup"),
        ("[x](#local)", "#local"),
        ("[x](/downloads/app.zip)", "/downloads/app.zip"),
        ('<a href="https://example.com/raw">x</a>', "https://example.com/raw"),
    ],
    ids=["http", "https-query", "mailto", "autolink", "email-autolink", "article", "article-anchor", "local",
         "site-absolute", "raw-html"],
)  # fmt: skip
def test_pipeline_keeps_safe_links(source, href):
    rendered = render_body(f"Before {source} after.\n")
    links = [dict(attrs) for tag, attrs in elements(rendered.html) if tag == "a"]
    assert [link["href"] for link in links] == [href]


def test_pipeline_keeps_images():
    rendered = render_body('![A diagram](img/diagram.png "Diagram") ![remote](https://cdn.example.com/x.png)\n')
    images = [dict(attrs) for tag, attrs in elements(rendered.html) if tag == "img"]
    assert images == [
        {"alt": "A diagram", "loading": "lazy", "src": "/assets/guides/img/diagram.png", "title": "Diagram"},
        {"alt": "remote", "loading": "lazy", "src": "https://cdn.example.com/x.png"},
    ]


def test_clean_html_keeps_image_attributes():
    markup = '<img alt="a" height="10" loading="lazy" src="/assets/a.png" title="t" width="20">'
    assert clean_html(markup) == markup


def test_pipeline_keeps_tables():
    rendered = render_body("| Name | Value |\n|------|-------|\n| a | `1` |\n")
    tags = [tag for tag, _ in elements(rendered.html)]
    assert tags == ["div", "table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td", "code"]  # the div scrolls it


def test_clean_html_keeps_table_cell_attributes():
    markup = '<table class="t"><tr><th align="left" scope="col">a</th><td align="right" colspan="2">b</td></tr></table>'
    assert clean_html(markup) == markup.replace("<tr>", "<tbody><tr>").replace("</table>", "</tbody></table>")


def test_pipeline_keeps_code_highlighting_classes():
    rendered = render_body('```python\ndef greet(name):\n    return "hi"\n```\n')
    assert f'<div class="highlight"><pre {CODE_REGION}><span></span><code>' in rendered.html
    assert '<span class="k">def</span>' in rendered.html
    assert '<span class="nf">greet</span>' in rendered.html
    assert '<span class="s2">"hi"</span>' in rendered.html  # quotes in text need no escaping, and get none


def test_pipeline_keeps_heading_ids():
    rendered = render_body("## First steps\n\n### Über uns\n")
    assert '<h2 id="first-steps">First steps</h2>' in rendered.html
    assert '<h3 id="über-uns">Über uns</h3>' in rendered.html


def test_pipeline_keeps_admonitions_and_details():
    rendered = render_body(
        '!!! warning "Before you start"\n    Back up first.\n\n<details><summary>More</summary>Hidden text.</details>\n'
    )
    assert '<div class="admonition warning">' in rendered.html
    assert '<p class="admonition-title">Before you start</p>' in rendered.html
    assert "<details><summary>More</summary>Hidden text.</details>" in rendered.html


@pytest.mark.parametrize(
    "markup",
    [
        "<p><strong>b</strong> <em>i</em> <code>c</code> <kbd>k</kbd> <mark>m</mark> <del>d</del> <ins>n</ins></p>",
        "<blockquote><p>q</p></blockquote>",
        '<ol start="3"><li id="fn:1">x</li></ol>',
        "<dl><dt>t</dt><dd>d</dd></dl>",
        '<p>x<sup id="fnref:1"><a href="#fn:1">1</a></sup> H<sub>2</sub>O <abbr title="HyperText">HTML</abbr></p>',
        "<figure><img src=\"/assets/a.png\"><figcaption>c</figcaption></figure>",
        "<hr>",
        "<p>a<br>b</p>",
    ],
    ids=["inline-formatting", "blockquote", "ordered-list", "definition-list", "footnote-markup", "figure", "hr",
         "br"],
)  # fmt: skip
def test_clean_html_keeps_allowed_markup(markup):
    assert clean_html(markup) == markup


def test_clean_html_escapes_text_of_removed_tags():
    assert clean_html("<blink>a < b & c</blink>") == "a &lt; b &amp; c"
