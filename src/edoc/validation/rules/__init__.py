"""Business rules a schema cannot express. Each yields findings; ids are stable.

Rules read the skeleton tree (so they run even when the model cannot be built) and use
the model where it is simpler. Messages come in English and Vietnamese. Importing this
package registers every rule; the import order below is the catalogue's order.
"""

# ruff: noqa: I001, F401
from edoc.validation.rules import header
from edoc.validation.rules import dates
from edoc.validation.rules import attachments
from edoc.validation.rules import business
from edoc.validation.rules import status
from edoc.validation.rules import signature
from edoc.validation.rules import text
from edoc.validation.rules import pdf
