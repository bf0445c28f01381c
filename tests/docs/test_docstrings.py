"""The ``>>>`` examples in edoc's docstrings run (those marked ``+SKIP`` need real files)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import edoc


def _modules_with_examples() -> list[str]:
    names = ["edoc"]
    for info in pkgutil.walk_packages(edoc.__path__, "edoc."):
        names.append(info.name)
    found = []
    root = Path(edoc.__file__).parent
    for name in names:
        rel = name.removeprefix("edoc").lstrip(".").replace(".", "/")
        path = root / rel / "__init__.py" if (root / rel).is_dir() else root / f"{rel}.py"
        if path.is_file() and ">>>" in path.read_text(encoding="utf-8"):
            found.append(name)
    return found


MODULES = _modules_with_examples()


def test_some_docstrings_have_examples() -> None:
    assert "edoc" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} docstring example(s) failed"
