"""A griffe extension: Sphinx roles in edoc's docstrings become mkdocstrings cross-references.

edoc's docstrings use ``:class:`X```, ``:func:`X``` and friends. This turns each into
``[`X`][X]``, which mkdocstrings resolves against the documented objects (relative names
within the object's scope); a name it cannot resolve fails the strict build.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|exc|data|mod|obj):`~?([A-Za-z_][\w.]*)`")


class SphinxRoles(griffe.Extension):
    """Rewrite the roles when each object is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        doc = obj.docstring
        if doc is not None and ":" in doc.value:
            doc.value = _ROLE.sub(lambda m: f"[`{m[1]}`][{m[1]}]", doc.value)
