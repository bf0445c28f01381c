"""``edoc verify``: check a package's signature against the caller's trust anchors."""

from __future__ import annotations

import datetime as dt
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives import hashes

from edoc.cli._exit import ExitCode, exit_code_for
from edoc.cli._render import to_dict
from edoc.errors import EdocError, InputError, InvalidSignatureError, LegacyAlgorithmWarning
from edoc.signing.trust import TrustStore
from edoc.signing.verifier import VerificationResult, VerifyPolicy, verify

__all__ = ["verify_command"]

VERIFY_FORMAT = "edoc.verify/1"


def _trust(paths: tuple[Path, ...]) -> TrustStore:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if q.suffix.lower() in (".pem", ".crt", ".cer"))
        else:
            files.append(p)
    if not files:
        raise InputError("--trust names no certificate file")
    return TrustStore.from_pem(*files)


def _ok(result: VerificationResult) -> dict[str, Any]:
    return {
        "format": VERIFY_FORMAT,
        "valid": True,
        "signer": result.signer.subject.rfc4514_string(),
        "signer_sha256": result.signer.fingerprint(hashes.SHA256()).hex(),
        "chain": [c.subject.rfc4514_string() for c in result.chain],
        "algorithm": result.algorithm.value,
        "digest_algorithm": result.digest_algorithm.value,
        "canonicalization": result.canonicalization.value,
        "dialect": result.dialect,
        "verified_at": result.verified_at.isoformat(),
        "findings": list(result.findings),
        "package": to_dict(result.package),
    }


@click.command("verify")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    "trust_paths",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="A PEM file or folder of trust anchors (CA roots or a pinned signer). Repeatable.",
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
    help="Check the certificate at this time instead of now (e.g. 2025-09-30T10:00:00+07:00).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def verify_command(package: Path, trust_paths: tuple[Path, ...], legacy: bool, at_text: str | None,
                   fmt: str) -> None:  # fmt: skip
    """Verify PACKAGE's signature. Exit codes: 0 valid, 3 not valid, 4 unreadable."""
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
    trust = _trust(trust_paths)
    policy = VerifyPolicy.legacy() if legacy else VerifyPolicy()
    # Weak algorithms the policy accepted are listed in the output, not warned on stderr.
    warnings.simplefilter("ignore", LegacyAlgorithmWarning)
    try:
        result = verify(package, trust=trust, policy=policy, at=at)
    except (InvalidSignatureError, EdocError) as exc:
        code = exit_code_for(exc)
        if fmt == "json":
            reason = getattr(exc, "reason", None) or type(exc).__name__
            click.echo(json.dumps({"format": VERIFY_FORMAT, "valid": False, "reason": reason,
                                   "error": type(exc).__name__, "message": str(exc)},
                                  ensure_ascii=False, indent=2))  # fmt: skip
        else:
            click.echo(f"NOT VALID: {exc}", err=True)
        sys.exit(int(code))
    if fmt == "json":
        click.echo(json.dumps(_ok(result), ensure_ascii=False, indent=2))
    else:
        click.echo(f"VALID  signed by {result.signer.subject.rfc4514_string()}")
        click.echo(
            f"       {result.algorithm.name}, {result.canonicalization.name}, {result.dialect}"
        )
        for note in result.findings:
            click.echo(f"       note: {note}")
    sys.exit(int(ExitCode.OK))
