"""The parsed-document interface other packages build on (package-internal to edoc).

:mod:`edoc.signing` and :mod:`edoc.validation` work on what the reader parsed: a
:class:`ParsedDocument` and its :class:`Node` tree, a :class:`Target` that builds one from
parser events (the signature verifier feeds it its own expat events), and
:func:`open_source` that opens whatever :data:`~edoc.xml.reader.Source` a caller passed,
and :mod:`guard`, the parser's refusal rules that every front end calls.
They are implemented in ``edoc.xml._events`` and ``edoc.xml.reader``; this module is their
one documented home outside :mod:`edoc.xml`, so those private modules can change freely.
"""

from edoc.xml import _guard as guard
from edoc.xml._events import Node, ParsedDocument
from edoc.xml._events import _Target as Target
from edoc.xml.reader import _open as open_source

__all__ = ["Node", "ParsedDocument", "Target", "guard", "open_source"]
