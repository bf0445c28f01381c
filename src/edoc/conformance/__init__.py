"""A conformance kit for edXML systems: a versioned suite of vectors and three targets.

* ``validator``: run a vendor's validator command on each vector, judge its exit code;
* ``receiver``: play the national hub, deliver each vector, expect status packages;
* ``sender``: play the hub, validate every package the vendor's system sends.

See docs/conformance.md. ``edoc conformance`` is the command line.
"""

from edoc.conformance._hostile import HostileSource, register_source, unregister_source
from edoc.conformance.suite import SIZES, build_suite
from edoc.conformance.vectors import SUITE_VERSION, Category, Expect, Vector, Workshop, select

__all__ = [
    "SIZES",
    "SUITE_VERSION",
    "Category",
    "Expect",
    "HostileSource",
    "Vector",
    "Workshop",
    "build_suite",
    "register_source",
    "select",
    "unregister_source",
]
