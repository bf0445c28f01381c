"""A local national hub for development and tests: ``edoc hub serve``.

It accepts what the official client ``SDKVXP-2.0.1`` sends (``shared/spec/hub-wire.md``:
``sendEdoc`` as an octet-stream body, ``getReceivedEdocList``, ``getEdoc``,
``downloadEdoc``, ``updateStatus``, ``getSentEdocList``, ``getAgenciesList``,
``getAgenciesListQD20``, ``getSynchronizeUnit``, ``registerAgency``, ``deleteAgency``,
``countReceiveEdoc``, ``countReceiveStatus``), checks the ``XroadVnpt-*`` header HMAC of
every request against the configured agencies' secrets (with a clock-skew limit, a replay
cache and a check of ``from``), routes each package to the
systems that serve its recipients (the ``to`` header, or the package's own To list, or
for a status package its ResponseFor agency), and keeps everything in a data folder so
that it survives restarts. Faults can be switched on to test a client's retries.

Only the standard library and edoc's core are used: no extra is needed.

>>> from edoc.transport.hub_server import HubAgency, HubServer
>>> hub = HubServer("hubdata", [HubAgency(system_id="A", secret="s1"),
...                             HubAgency(system_id="B", secret="s2")])  # doctest: +SKIP
>>> with hub:                                                             # doctest: +SKIP
...     print(hub.url)
"""

from edoc.transport.hub_server._faults import FaultKind, Faults
from edoc.transport.hub_server._server import HubAgency, HubServer
from edoc.transport.hub_server._store import Delivery, Sent, now_text

# Delivery, Sent and now_text: the hub's stored records, for edoc.conformance's hub-side
# checks (not part of the user-facing API).
__all__ = ["Delivery", "FaultKind", "Faults", "HubAgency", "HubServer", "Sent", "now_text"]
