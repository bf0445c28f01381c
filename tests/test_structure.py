"""The code's structure: one error module, no import cycle, reasons from the enums, no
private module reached into from another package (issue 20)."""

from __future__ import annotations

import ast
import importlib
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import edoc.errors as errors

SRC = Path(__file__).resolve().parents[1] / "src"
EDOC = SRC / "edoc"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(EDOC.rglob("*.py"))}


def _trees() -> Iterator[tuple[str, Path, ast.Module]]:
    for name, path in MODULES.items():
        yield name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements run when the module is imported (not function bodies, not
    ``if TYPE_CHECKING:`` blocks)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            if not _is_type_checking(stmt.test):
                yield from _import_time_statements(stmt.body)
            yield from _import_time_statements(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from _import_time_statements(block)
            for handler in stmt.handlers:
                yield from _import_time_statements(handler.body)
        elif isinstance(stmt, ast.With | ast.ClassDef):
            yield from _import_time_statements(stmt.body)


def _targets(node: ast.stmt) -> Iterator[str]:
    """The edoc modules one import statement names: ``from a import b`` names ``a.b`` when
    ``b`` is a module, and ``a`` itself only when it takes a name from ``a``'s own code."""
    if isinstance(node, ast.Import):
        yield from (a.name for a in node.names if a.name in MODULES)
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        submodules = [f"{node.module}.{a.name}" for a in node.names]
        yield from (m for m in submodules if m in MODULES)
        if node.module in MODULES and not all(m in MODULES for m in submodules):
            yield node.module


def _all_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, function bodies included (deferred imports), but not the
    ``if TYPE_CHECKING:`` blocks."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If) and _is_type_checking(stmt.test):
            yield from _all_statements(stmt.orelse)
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(stmt, field, None)
            if isinstance(block, list):
                yield from _all_statements([b for b in block if isinstance(b, ast.stmt)])
        for handler in getattr(stmt, "handlers", ()):
            yield from _all_statements(handler.body)


def _import_graph(*, deferred: bool = False) -> dict[str, set[str]]:
    walk = _all_statements if deferred else _import_time_statements
    graph: dict[str, set[str]] = {}
    for name, _, tree in _trees():
        edges = graph.setdefault(name, set())
        for stmt in walk(tree.body):
            edges.update(t for t in _targets(stmt) if t != name)
    return graph


# Cycles closed only by an import inside a function, each on purpose: the optional or heavy
# side is imported when first used. A new one must be added here with its reason.
_DEFERRED_CYCLES = [
    ["edoc.conformance._corpus", "edoc.conformance.vectors"],  # the corpus loads lazily
    ["edoc.model._zipwrap", "edoc.model.attachment"],  # a zip member becomes an Attachment
    ["edoc.pdf.check", "edoc.signing.assessment"],  # PDF checks need the [pdf] extra
    ["edoc.transport", "edoc.transport._open"],  # open() imports the transport it names
]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_at_import_time() -> None:
    graph = _import_graph()
    assert len(graph) > 100  # the scan found the modules
    assert "edoc.errors" in graph["edoc.signing.timestamp"]
    assert _cycles(graph) == []


def test_no_new_cycle_through_a_deferred_import() -> None:
    """signer <-> timestamp <-> xades was one (SigningError lived in signer.py)."""
    graph = _import_graph(deferred=True)
    assert "edoc.signing.xades" in graph["edoc.signing.signer"]  # the deferred edge is seen
    assert sorted(_cycles(graph)) == _DEFERRED_CYCLES


@pytest.mark.slow
@pytest.mark.parametrize("module", sorted(set(MODULES) - {"edoc.__main__"}))  # runs the CLI
def test_each_module_imports_alone(module: str) -> None:
    """Each module imports first, in a fresh interpreter (an optional extra may be missing)."""
    code = (f"import importlib\ntry:\n    importlib.import_module({module!r})\n"
            "except ImportError as exc:\n    import edoc.errors as e\n"
            "    assert isinstance(exc, e.MissingDependencyError) or exc.name not in (None, '') "
            "and not exc.name.startswith('edoc'), exc\n")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# The old homes of the exceptions that moved into edoc.errors (they re-export them).
_OLD_HOMES = {
    "edoc.signing.signer": ["SigningError"],
    "edoc.signing.timestamp": ["TimeStampError", "TimeStampTokenError"],
    "edoc.signing.xades": ["XadesError"],
    "edoc.signing.keys": ["KeyLoadError"],
    "edoc.signing.pkcs11": ["TokenError"],
    "edoc.signing": ["KeyLoadError", "SigningError", "TimeStampError", "XadesError"],
    "edoc.keys": ["KeyLoadError", "TokenError"],
    "edoc.transport.errors": [
        "AuthenticationError", "ConnectError", "ProtocolError", "RejectedError", "ServerError",
        "StorageError", "TransportClosedError", "TransportError", "TransportLimitError",
        "TransportTimeout", "UnknownMessageError",
    ],
}  # fmt: skip


@pytest.mark.parametrize("module", sorted(_OLD_HOMES))
def test_old_import_paths_still_work(module: str) -> None:
    mod = importlib.import_module(module)
    for name in _OLD_HOMES[module]:
        assert getattr(mod, name) is getattr(errors, name), (module, name)


def test_every_exception_class_lives_in_edoc_errors() -> None:
    """Public exception classes are defined in edoc/errors.py; private ones (a leading
    underscore, or a module-private control-flow signal listed here) stay where they are
    raised and caught."""
    private = {"HeaderAuthError", "FolderInUseError", "BadRequest", "ReplayFull", "Fail",
               "FetchFailed", "Base64Error", "BadReference"}  # fmt: skip
    stray = []
    for name, path, tree in _trees():
        if name == "edoc.errors":
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
                continue
            bases = [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
            if node.name not in private and any(
                b.endswith(("Error", "Exception", "Warning")) for b in bases
            ):
                stray.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}")
    assert stray == []


def _exception_classes() -> list[type[BaseException]]:
    return [
        obj for name in errors.__all__
        if isinstance(obj := getattr(errors, name), type) and issubclass(obj, BaseException)
    ]  # fmt: skip


def _example(cls: type[BaseException]) -> BaseException:
    if cls is errors.OutputExistsError:
        return cls("out.edxml")
    if cls is errors.MissingDependencyError:
        return cls("PDF checks", "pyhanko", "pdf")
    if cls is errors.LimitExceededError:
        return cls("too deep", limit="max_depth", value=101, maximum=100, line=3)
    if issubclass(cls, errors.TokenError):
        return cls("no such key", reason="key-not-found", token="tok")
    if issubclass(cls, errors.InvalidSignatureError):
        return cls("the digest differs", reason="digest-mismatch")
    if issubclass(cls, errors.PdfError):
        return cls("too big", reason="pdf-too-large")
    if issubclass(cls, errors.RejectedError):
        return cls("refused", status=400, code="E1", detail="no", transport="hub")
    if issubclass(cls, errors.ServerError):
        return cls("failed", status=503, transport="hub", message_id="m1")
    if issubclass(cls, errors._Failure):
        return cls("lost", transport="amqp", message_id="m1")
    if issubclass(cls, errors.ParseError):
        return cls("not XML", line=2, column=5, source="in.edxml")
    return cls("something")


@pytest.mark.parametrize("cls", _exception_classes(), ids=lambda c: c.__name__)
def test_exceptions_pickle_with_their_fields_and_text(cls: type[BaseException]) -> None:
    exc = _example(cls)
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls
    assert str(back) == str(exc)
    assert vars(back) == vars(exc)


def test_str_of_the_moved_exceptions_is_unchanged() -> None:
    assert str(errors.TokenError("PIN locked", reason="pin-locked")) == "PIN locked"
    assert str(errors.ConnectError("no route", transport="hub")) == "no route"
    assert str(errors.RejectedError("refused", detail="x" * 300).detail).endswith("…")
    assert errors.TimeStampError.__mro__[1:3] == (errors.SigningError, errors.SignatureError)
    assert issubclass(errors.TokenError, errors.KeyLoadError)
    assert issubclass(errors.KeyLoadError, errors.InputError)
    assert issubclass(errors.StorageError, OSError)
    assert errors.ConnectError.transient
    assert not errors.RejectedError.transient


_REASON_ENUMS = (errors.Reason, errors.TokenReason, errors.PdfErrorReason)
_REASON_VALUES = {m.value for enum in _REASON_ENUMS for m in enum}
_REASON_WORDS = {"reason", "error_reason"}


def _named_reason(node: ast.expr) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name in _REASON_WORDS


def _strings(node: ast.AST | None) -> Iterator[ast.Constant]:
    """The text literals ``node`` evaluates to directly (a constant, either side of an
    ``if``/``or``, the items of a set or tuple), not the arguments of a call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, ast.Set | ast.Tuple | ast.List):
        for elt in node.elts:
            yield from _strings(elt)


def _code_sets(node: ast.AST) -> Iterator[ast.Constant]:
    """The items of a literal set of texts most of which are reason codes (such as
    ``_BROKEN = frozenset({...})``): then every item must be one."""
    if isinstance(node, ast.Set) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        items = list(_strings(node))
        if 2 * sum(c.value in _REASON_VALUES for c in items) > len(items):
            yield from items


# edoc.conformance.results: a result's ``reason`` is a line of free text, not a code.
_FREE_TEXT_REASONS = {"edoc.conformance.results"}


def _reason_literals(tree: ast.Module) -> Iterator[ast.Constant]:
    """Text literals used as a reason: ``reason="x"`` (and defaults of a ``reason``
    parameter), ``x.reason == "x"`` / ``in {...}``, ``reason = "x"``, ``Reason("x")``, and
    the items of a literal set of reason codes."""
    for node in ast.walk(tree):
        yield from _code_sets(node)
        if isinstance(node, ast.keyword) and node.arg in _REASON_WORDS:
            yield from _strings(node.value)
        elif isinstance(node, ast.Compare) and (
            _named_reason(node.left) or any(_named_reason(c) for c in node.comparators)
        ):
            for side in (node.left, *node.comparators):
                yield from _strings(side)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_named_reason(t) for t in targets):
                yield from _strings(node.value)
        elif isinstance(node, ast.arguments):
            params = [*node.posonlyargs, *node.args]
            positional = params[len(params) - len(node.defaults) :]
            defaults = list(zip(positional, node.defaults, strict=True))
            keywords = zip(node.kwonlyargs, node.kw_defaults, strict=True)
            defaults += [(a, d) for a, d in keywords if d is not None]
            for arg, default in defaults:
                if arg.arg in _REASON_WORDS:
                    yield from _strings(default)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
            e.__name__ for e in _REASON_ENUMS
        }:
            for value in node.args:
                yield from _strings(value)


def test_every_reason_in_the_source_is_an_enum_member() -> None:
    """A free-text reason with a typo would otherwise fall through silently."""
    seen, unknown = set(), []
    for name, path, tree in _trees():
        if name in _FREE_TEXT_REASONS:
            continue
        for const in _reason_literals(tree):
            seen.add(const.value)
            if const.value not in _REASON_VALUES:
                unknown.append(f"{path.relative_to(SRC)}:{const.lineno} {const.value!r}")
    assert unknown == []
    assert {"profile", "key-not-found", "pdf-backend", "pdf-coverage"} <= seen  # scan reach


def test_the_reason_scan_catches_a_typo() -> None:
    tree = ast.parse(
        'raise E("x", reason="digest-mismatc")\nif e.reason == "revokd": pass\n'
        'B = frozenset({"pdf-format", "pdf-coverage", "pdf-modifed"})\nprint(reason)'
    )
    found = sorted(str(c.value) for c in _reason_literals(tree))
    assert found == ["digest-mismatc", "pdf-coverage", "pdf-format", "pdf-modifed", "revokd"]


def test_reasons_keep_their_text_values() -> None:
    """The values are in JSON reports and docs: written out here by hand."""
    assert str(errors.Reason.DIGEST_MISMATCH) == "digest-mismatch"
    assert errors.Reason.REVOCATION_UNAVAILABLE.value == "revocation-unavailable"
    assert f"{errors.Reason.XADES_SIGNING_CERTIFICATE}" == "xades-signing-certificate"
    assert errors.TokenReason.PIN_LOCKED.value == "pin-locked"
    assert errors.PdfErrorReason.BACKEND.value == "pdf-backend"
    import json

    assert json.dumps({"reason": errors.Reason.KEY_USAGE}) == '{"reason": "key-usage"}'
    exc = errors.InvalidSignatureError("x", reason="untrusted-chain")
    assert exc.reason is errors.Reason.UNTRUSTED_CHAIN
    with pytest.raises(ValueError, match="digest-mismatc"):
        errors.InvalidSignatureError("x", reason="digest-mismatc")


def test_the_indication_table_is_total() -> None:
    from edoc.signing.assessment import INDICATIONS
    from edoc.signing.report import Indication, SubIndication

    assert set(INDICATIONS) == set(errors.Reason)
    # a few entries, by hand from ETSI EN 319 102-1 table 5
    assert INDICATIONS[errors.Reason.DIGEST_MISMATCH] == (
        Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)  # fmt: skip
    assert INDICATIONS[errors.Reason.UNTRUSTED_CHAIN] == (
        Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)  # fmt: skip
    assert INDICATIONS[errors.Reason.REVOCATION_UNAVAILABLE] == (
        Indication.INDETERMINATE, SubIndication.TRY_LATER)  # fmt: skip


@pytest.mark.parametrize(("name", "value"), [("XLINK_NS", "http://www.w3.org/1999/xlink"),
                                             ("ORGAN_ADDRESS", "OrganAdd")])  # fmt: skip
def test_dead_public_names_are_deprecated_not_removed(name: str, value: str) -> None:
    from edoc.xml import names

    with pytest.warns(DeprecationWarning, match=name) as caught:
        assert getattr(names, name) == value
    assert caught[0].filename == __file__


def test_the_renamed_module_still_imports_with_a_warning() -> None:
    sys.modules.pop("edoc.signing.validation", None)
    with pytest.warns(DeprecationWarning, match="edoc.signing.assessment"):
        old = importlib.import_module("edoc.signing.validation")
    from edoc.signing import assessment

    assert old.Verifier is assessment.Verifier
    assert old.ValidationResult is assessment.AssessmentResult
    from edoc.signing.report import AssessmentReport, ValidationReport

    assert ValidationReport is AssessmentReport


def _package_of(module: str) -> str:
    """The top-level package a module belongs to (``edoc.signing`` for
    ``edoc.signing._verify_pass``); ``edoc`` for the shared top-level modules."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or MODULES[module].name == "__init__.py" \
        else "edoc"  # fmt: skip


def _private_crossings(name: str, tree: ast.Module) -> Iterator[str]:
    """Imports of a private module, or of a private name, from another package. The
    top-level helpers (``edoc._files``, ``edoc._base64``, ``edoc.errors._Failure``, ...) are
    shared by every package and allowed."""
    home = _package_of(name)
    for node in _all_statements(tree.body):
        if isinstance(node, ast.Import):
            dotted = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            dotted = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for target in dotted:
            parts = target.split(".")
            if parts[0] != "edoc":
                continue
            private = next((i for i, p in enumerate(parts) if p.startswith("_")), None)
            if private is None or private == 1:  # public, or edoc._x: shared
                continue
            owner = ".".join(parts[:private])
            owner_package = _package_of(owner) if owner in MODULES else owner
            if owner_package not in ("edoc", home):
                yield f"{name}:{node.lineno} imports {target}"


def test_no_private_import_crosses_a_package() -> None:
    """A module in package A imports ``_x`` modules (or ``_names``) only from package A;
    what another package needs has a public or documented home (``edoc.xml.parsed``)."""
    found = [c for name, _, tree in _trees() for c in _private_crossings(name, tree)]
    assert found == []


def test_the_private_import_scan_sees_a_crossing() -> None:
    tree = ast.parse(
        "from edoc.xml._events import Node\nfrom edoc.xml.reader import _open\n"
        "from edoc.signing._fetch import Fetch\nfrom edoc._files import spool_file"
    )
    found = list(_private_crossings("edoc.signing.verifier", tree))
    assert found == ["edoc.signing.verifier:1 imports edoc.xml._events.Node",
                     "edoc.signing.verifier:2 imports edoc.xml.reader._open"]  # fmt: skip
