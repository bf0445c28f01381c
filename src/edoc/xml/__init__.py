"""The wire format: the only layer that knows element names, namespaces and order."""

from edoc.xml.reader import Source, read
from edoc.xml.writer import ContentTypes, WriteResult, to_bytes, write

__all__ = ["ContentTypes", "Source", "WriteResult", "read", "to_bytes", "write"]
