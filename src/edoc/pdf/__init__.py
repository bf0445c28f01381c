"""The signatures inside a package's PDF attachments (the ``edoc-edxml[pdf]`` extra, pyHanko).

>>> result = edoc.Verifier(trust).verify("in.edxml")      # doctest: +SKIP
>>> for doc in result.documents:                           # doctest: +SKIP
...     print(doc.attachment, [s.indication for s in doc.signatures])

:class:`PdfChecker` checks attachments on its own (``edoc validate`` uses it without a
verifier: integrity only). The report's fields are in docs/reference/pdf-report.md.
"""

from edoc.pdf.check import PdfChecker, PdfLimits, is_pdf
from edoc.pdf.report import Coverage, Modification, PdfDocument, PdfSignature

__all__ = [
    "Coverage",
    "Modification",
    "PdfChecker",
    "PdfDocument",
    "PdfLimits",
    "PdfSignature",
    "is_pdf",
]
