"""The import rule: each layer imports only the layers below it (import-linter's contracts in pyproject.toml),
no module imports itself back through others, and `import search` loads no web stack."""

from __future__ import annotations

import subprocess
import sys

import grimp
from importlinter import cli

from tests.fixtures.app import TESTS

ROOT = TESTS.parent


def test_the_layer_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exit_code = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"))
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "2 kept, 0 broken" in report


def test_no_module_imports_itself_back():
    graph = grimp.build_graph("kb", "search", "suggest", exclude_type_checking_imports=True)
    cycles = [
        (module, other)
        for module in sorted(graph.modules)
        for other in sorted(graph.find_modules_directly_imported_by(module))
        if graph.chain_exists(importer=other, imported=module)
    ]
    assert cycles == []


def test_importing_search_and_suggest_loads_no_web_stack():
    code = (
        "import sys, search.hybrid, search.fulltext, search.semantic, search.snippets, search.lexical, search.onnx,"
        " search.evaluate, suggest.engine, suggest.evaluate, kb.content.pages, kb.content.store;"
        "print(sorted(m for m in ('flask', 'click', 'sqlalchemy', 'werkzeug', 'flask_login') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
