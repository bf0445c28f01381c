"""``edoc verify``: validate a package's signature against the caller's trust anchors, with
revocation, and print the validation report."""

from __future__ import annotations

import datetime as dt
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from edoc.cli._common import input_source
from edoc.cli._exit import ExitCode, exit_code_for
from edoc.cli._render import to_dict
from edoc.errors import EdocError, InputError, LegacyAlgorithmWarning
from edoc.signing.assessment import AssessmentResult, Verifier
from edoc.signing.report import Indication, SubIndication
from edoc.signing.revocation import REVOCATION_MODES
from edoc.signing.trust import TrustStore
from edoc.signing.verifier import VerifyPolicy

__all__ = ["exit_code_for_result", "verify_command"]

VERIFY_FORMAT = "edoc.verify/1"


def _pem_files(paths: tuple[Path, ...], option: str) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if q.suffix.lower() in (".pem", ".crt", ".cer"))
        else:
            files.append(p)
    if not files and paths:
        raise InputError(f"{option} names no certificate file")
    return files


def exit_code_for_result(result: AssessmentResult) -> ExitCode:
    """TOTAL_PASSED 0; TOTAL_FAILED and INDETERMINATE 3, except INDETERMINATE/TRY_LATER
    (revocation data could not be fetched) 5, a transport failure worth retrying. A PDF
    attachment whose signature is TOTAL_FAILED makes a passed envelope 3 too."""
    if result.indication is Indication.TOTAL_PASSED:
        failed = [s for d in result.documents for s in d.signatures
                  if s.indication is Indication.TOTAL_FAILED]  # fmt: skip
        return ExitCode.SIGNATURE if failed else ExitCode.OK
    if result.sub_indication is SubIndication.TRY_LATER:
        return ExitCode.TRANSPORT
    return ExitCode.SIGNATURE


def _json(result: AssessmentResult) -> dict[str, Any]:
    sig = result.signature
    out: dict[str, Any] = {
        "format": VERIFY_FORMAT,
        "valid": result.passed,
        "indication": result.indication.value,
        "sub_indication": result.sub_indication.value if result.sub_indication else None,
        "reason": result.reason,
    }
    if sig is not None:
        out.update({
            "signer": sig.signer.subject.rfc4514_string(),
            "signer_sha256": sig.signer.fingerprint(hashes.SHA256()).hex(),
            "chain": [c.subject.rfc4514_string() for c in sig.chain],
            "algorithm": sig.algorithm.value,
            "digest_algorithm": sig.digest_algorithm.value,
            "canonicalization": sig.canonicalization.value,
            "dialect": sig.dialect,
            "verified_at": sig.verified_at.isoformat(),
            "findings": list(sig.findings),
        })  # fmt: skip
    if result.package is not None:
        out["package"] = to_dict(result.package)
    out["report"] = result.report.to_dict()
    out["documents"] = [d.to_dict() for d in result.documents]
    return out


@click.command("verify")
@click.argument("package", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--trust",
    "trust_paths",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="A PEM file or folder of trust anchors (CA roots or a pinned signer). Repeatable.",
)
@click.option(
    "--intermediate",
    "intermediate_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="A PEM file or folder of intermediate CA certificates (not trusted). Repeatable.",
)
@click.option(
    "--revocation",
    type=click.Choice(REVOCATION_MODES),
    default="ocsp-then-crl",
    show_default=True,
    help="Where revocation status comes from ('offline': only --crl files; 'none': unchecked).",
)
@click.option("--offline", is_flag=True, help="No network: revocation only from --crl files.")
@click.option(
    "--crl",
    "crl_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CRL file (DER or PEM) to use before fetching. Repeatable.",
)
@click.option(
    "--timeout", type=float, default=10.0, show_default=True, help="Seconds per revocation fetch."
)
@click.option(
    "--legacy",
    is_flag=True,
    help="Accept SHA-1, RSA under 2048 bits and the edXML-namespace Signature (reported as weak).",
)
@click.option(
    "--at",
    "at_text",
    metavar="ISO-8601",
    help="Check the certificates at this time instead of the signing time "
    "(e.g. 2025-09-30T10:00:00+07:00).",
)
@click.option(
    "--pdf/--no-pdf",
    default=None,
    help="Check the signatures inside PDF attachments (default: when edoc-edxml[pdf] is "
    "installed).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def verify_command(package: str, trust_paths: tuple[Path, ...],
                   intermediate_paths: tuple[Path, ...], revocation: str, offline: bool,
                   crl_paths: tuple[Path, ...], timeout: float, legacy: bool, at_text: str | None,
                   pdf: bool | None, fmt: str) -> None:  # fmt: skip
    """Validate PACKAGE's signature (a file, or - for standard input) and print the report,
    then the signatures inside its PDF attachments.

    Exit codes: 0 TOTAL_PASSED, 3 TOTAL_FAILED or INDETERMINATE (or a PDF signature
    TOTAL_FAILED), 5 INDETERMINATE/TRY_LATER (revocation data unreachable), 4 unreadable."""
    at = None
    if at_text is not None:
        try:
            at = dt.datetime.fromisoformat(at_text)
        except ValueError:
            raise click.BadParameter(
                f"{at_text!r} is not an ISO-8601 time", param_hint="--at"
            ) from None
        if at.tzinfo is None:
            raise click.BadParameter("give a time zone, e.g. +07:00", param_hint="--at")
    # Weak algorithms the policy accepted are listed in the output, not warned on stderr.
    warnings.simplefilter("ignore", LegacyAlgorithmWarning)
    try:
        trust = TrustStore.from_pem(*_pem_files(trust_paths, "--trust"))
        intermediates: list[x509.Certificate] = []
        for f in _pem_files(intermediate_paths, "--intermediate"):
            intermediates += TrustStore.from_pem(f).certificates
        verifier = Verifier(
            trust, revocation=revocation, intermediates=intermediates,  # type: ignore[arg-type]
            policy=VerifyPolicy.legacy() if legacy else VerifyPolicy(), offline=offline,
            crls=crl_paths, at=at, timeout=timeout, pdf=pdf,
        )  # fmt: skip
        result = verifier.verify(input_source(package))
    except EdocError as exc:
        code = exit_code_for(exc)
        if fmt == "json":
            reason = getattr(exc, "reason", None) or type(exc).__name__
            click.echo(json.dumps({"format": VERIFY_FORMAT, "valid": False, "reason": reason,
                                   "error": type(exc).__name__, "message": str(exc)},
                                  ensure_ascii=False, indent=2))  # fmt: skip
        else:
            click.echo(f"NOT VALID: {exc}", err=True)
        sys.exit(int(code))
    code = exit_code_for_result(result)
    if fmt == "json":
        click.echo(json.dumps(_json(result), ensure_ascii=False, indent=2))
    else:
        click.echo(result.report.to_text())
        if result.documents:
            click.echo("documents:")
            click.echo("\n".join(d.to_text() for d in result.documents))
    if code is not ExitCode.OK and result.passed:
        click.echo("NOT VALID: a PDF attachment's signature is TOTAL_FAILED", err=True)
    elif code is not ExitCode.OK:
        failed = [c for c in result.report.checks if c.outcome in ("failed", "indeterminate")]
        why = failed[-1].detail if failed else ""
        click.echo(f"NOT VALID: {result.indication.value}/{result.sub_indication}: {why}", err=True)
    sys.exit(int(code))
