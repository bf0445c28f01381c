"""The XSD pass: edoc's own schemas (``schemas/``), one per package kind and profile."""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

from lxml import etree

from edoc.errors import shorten
from edoc.validation.findings import Finding, Severity
from edoc.validation.registry import declare

__all__ = ["PROFILES", "schema_findings", "schema_path"]

PROFILES = ("strict", "interop")
_PREFIX = re.compile(r"\b\w+:")  # lxml's paths name namespaces ns0:, ns1:…; edoc's do not

declare(
    "XSD",
    "The package conforms to edoc's XML Schema for its kind and profile",
    "Gói tin phù hợp lược đồ XML của edoc cho loại gói tin và hồ sơ kiểm tra",
    Severity.ERROR,
    source="schema",
)


def schema_dir() -> Path:
    """Where the XSDs are: inside the installed package, or ``schemas/`` of a checkout."""
    packaged = resources.files("edoc") / "schemas"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "schemas"


def schema_path(kind: str, profile: str) -> Path:
    """``schemas/{edoc|status}-{strict|interop}.xsd``."""
    return schema_dir() / f"{kind}-{profile}.xsd"


@functools.cache
def _schema(kind: str, profile: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(schema_path(kind, profile)), parser))


def schema_findings(
    tree: etree._Element, kind: str, profile: str, source: str | None
) -> list[Finding]:
    """Validate the skeleton ``tree``; one finding per schema error, with line and path."""
    schema = _schema(kind, profile)
    if schema.validate(tree):
        return []
    out = []
    for entry in schema.error_log:  # type: ignore[attr-defined]  # lxml-stubs lack __iter__
        message = entry.message
        out.append(
            Finding(
                rule="XSD",
                severity=Severity.ERROR,
                message=shorten(message, 300),
                message_vi=f"không phù hợp lược đồ XML: {shorten(message, 300)}",
                path=_PREFIX.sub("", entry.path) or None,
                line=entry.line or None,
                source=source,
            )
        )
    return out
