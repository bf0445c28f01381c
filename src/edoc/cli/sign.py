"""``edoc sign``: sign a package with a key file (PEM or PKCS#12) or a token key (pkcs11: URI)."""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
from pathlib import Path
from typing import Any

import click

from edoc.cli._common import input_source
from edoc.errors import InputError, KeyLoadError
from edoc.signing import load_pem, load_pkcs12, sign
from edoc.signing.keys import SigningKey
from edoc.signing.pkcs11 import PinSource, Pkcs11Key, pin_from_env, pin_from_file, pin_from_prompt

__all__ = ["sign_command"]


def _password(password_file: Path | None, password_env: str | None) -> str | None:
    if password_file is not None and password_env is not None:
        raise click.UsageError("give --password-file or --password-env, not both")
    if password_file is not None:
        try:
            return password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise InputError(
                f"cannot read the password file {password_file}: {exc.strerror}"
            ) from None
    if password_env is not None:
        value = os.environ.get(password_env)
        if value is None:
            raise InputError(f"the environment variable {password_env} is not set")
        return value
    return None


def _file_key(path: Path, cert: Path | None, password: str | None) -> SigningKey:
    """A PEM or PKCS#12 key; without a password given, a terminal is asked if one is needed
    (as openssl does), and nothing is asked when standard input is not a terminal."""

    def load(secret: str | None) -> SigningKey:
        if path.suffix.lower() in (".p12", ".pfx"):
            return load_pkcs12(path, password=secret)
        return load_pem(path, password=secret, certificates=cert)

    if password is not None or not sys.stdin.isatty():
        return load(password)
    try:
        return load(None)
    except KeyLoadError:
        if not path.is_file():
            raise
    return load(getpass.getpass(f"Password for {path}: "))


def _token_key(
    uri: str, cert: Path | None, pin_file: Path | None, pin_env: str | None, module: Path | None
) -> Pkcs11Key:
    """Open a token key; the PIN from --pin-env, --pin-file, or a prompt on a terminal."""
    if pin_file is not None and pin_env is not None:
        raise click.UsageError("give --pin-file or --pin-env, not both")
    pin: PinSource | None = None
    if pin_file is not None:
        pin = pin_from_file(pin_file)
    elif pin_env is not None:
        pin = pin_from_env(pin_env)
    elif sys.stdin.isatty():
        pin = pin_from_prompt  # asked only if the token wants a PIN
    certificates = None
    if cert is not None:
        from cryptography import x509

        try:
            certificates = x509.load_pem_x509_certificates(cert.read_bytes())
        except (OSError, ValueError) as exc:
            raise InputError(f"{cert} holds no readable PEM certificate") from exc
    return Pkcs11Key.open(uri, pin=pin, module=module, certificates=certificates)


def _xades_options(
    level: str | None, tsa_url: str | None, tsa_timeout: float, policy_id: str | None,
    policy_file: Path | None, policy_uri: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The XAdES keyword arguments of :func:`edoc.signing.sign`, from the options."""
    if level is None:
        if tsa_url or policy_id or policy_file or policy_uri:
            raise click.UsageError("--tsa and --policy-* need --xades")
        return {}
    if (level == "t") != (tsa_url is not None):
        raise click.UsageError("--xades t needs --tsa URL (and --tsa is only for --xades t)")
    if level == "epes" and policy_id is None:
        raise click.UsageError("--xades epes needs --policy-id and --policy-file")
    if level == "bes" and policy_id is not None:
        raise click.UsageError("a signature policy makes it --xades epes")
    if (policy_id is None) != (policy_file is None) or (policy_uri and not policy_id):
        raise click.UsageError("--policy-id and --policy-file go together (--policy-uri with them)")
    options: dict[str, Any] = {"xades": level}
    if tsa_url is not None:
        from edoc.signing.timestamp import TimeStampAuthority

        options["tsa"] = TimeStampAuthority(url=tsa_url, timeout=tsa_timeout)
    if policy_id is not None and policy_file is not None:
        from edoc.signing.xades import SignaturePolicyId

        try:
            document = policy_file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read the policy file {policy_file}: {exc.strerror}") from None
        options["signature_policy"] = SignaturePolicyId.from_document(
            policy_id, document, uri=policy_uri
        )
    return options


@click.command("sign")
@click.argument("package", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--key",
    "key_spec",
    required=True,
    help="A PEM private key (with its certificate), a PKCS#12 file (.p12, .pfx), or a token "
    'key as a pkcs11: URI ("pkcs11:token=VPCP;object=van-thu"; see docs/tokens.md).',
)
@click.option(
    "--cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM certificate chain, signer first (when the PEM key file or the token holds none).",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file holding the key's password (never pass a password on the command line; "
    "without this and --password-env, a terminal is asked when the key needs one).",
)
@click.option("--password-env", metavar="VAR", help="An environment variable holding the password.")
@click.option(
    "--pin-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Token keys: a file holding the PIN (without it and --pin-env, a terminal is asked).",
)
@click.option(
    "--pin-env", metavar="VAR", help="Token keys: an environment variable holding the PIN."
)
@click.option(
    "--pkcs11-module",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Token keys: the PKCS#11 module, when the URI has no module-path "
    "(default: $EDOC_PKCS11_MODULE).",
)
@click.option(
    "--policy",
    type=click.Choice(["default", "tt15-2025"]),
    default="default",
    show_default=True,
    help="default: RSA PKCS#1 v1.5 / ECDSA, SHA-256; tt15-2025: RSA-PSS / ECDSA.",
)
@click.option(
    "--xades",
    type=click.Choice(["bes", "epes", "t"]),
    help="Add XAdES properties: bes (signing time and certificate), epes (and --policy-id), "
    "t (and a time-stamp from --tsa). Default: plain XML-DSig.",
)
@click.option("--tsa", "tsa_url", metavar="URL", help="XAdES-T: the RFC 3161 time-stamp authority.")
@click.option(
    "--tsa-timeout",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds to wait for the TSA.",
)
@click.option("--policy-id", metavar="OID|URI", help="XAdES-EPES: the signature policy's id.")
@click.option(
    "--policy-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="XAdES-EPES: the policy document (its SHA-256 is signed).",
)
@click.option("--policy-uri", metavar="URI", help="XAdES-EPES: where the policy can be fetched.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def sign_command(
    package: str, output: Path, key_spec: str, cert: Path | None, password_file: Path | None,
    password_env: str | None, pin_file: Path | None, pin_env: str | None,
    pkcs11_module: Path | None, policy: str, xades: str | None, tsa_url: str | None,
    tsa_timeout: float, policy_id: str | None, policy_file: Path | None, policy_uri: str | None,
    force: bool,
) -> None:  # fmt: skip
    """Sign PACKAGE (a file, or - for standard input; any signature it has is replaced) and
    write OUTPUT."""
    is_token = key_spec[:7].lower() == "pkcs11:"
    if is_token and (password_file is not None or password_env is not None):
        raise click.UsageError("a token key takes --pin-env or --pin-file, not a password")
    if not is_token and (pin_file or pin_env or pkcs11_module):
        raise click.UsageError("--pin-env, --pin-file and --pkcs11-module are for pkcs11: keys")
    xades_options = _xades_options(xades, tsa_url, tsa_timeout, policy_id, policy_file, policy_uri)
    with contextlib.ExitStack() as stack:
        key: SigningKey
        if is_token:
            key = stack.enter_context(_token_key(key_spec, cert, pin_file, pin_env, pkcs11_module))
        else:
            key = _file_key(Path(key_spec), cert, _password(password_file, password_env))
        source = input_source(package)
        result = sign(source, output, key=key, policy=policy, overwrite=force, **xades_options)
    click.echo(f"{result.path}  {result.size} bytes  sha256 {result.sha256}")
