"""``edoc sign``: sign a package with a key file (PEM or PKCS#12)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from edoc.errors import InputError
from edoc.signing import load_pem, load_pkcs12, sign

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


@click.command("sign")
@click.argument("package", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="A PEM private key (with its certificate) or a PKCS#12 file (.p12, .pfx).",
)
@click.option(
    "--cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PEM certificate chain, signer first (when the PEM key file holds none).",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file holding the key's password (never pass a password on the command line).",
)
@click.option("--password-env", metavar="VAR", help="An environment variable holding the password.")
@click.option(
    "--policy",
    type=click.Choice(["default", "tt15-2025"]),
    default="default",
    show_default=True,
    help="default: RSA PKCS#1 v1.5 / ECDSA, SHA-256; tt15-2025: RSA-PSS / ECDSA.",
)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
def sign_command(
    package: Path, output: Path, key_path: Path, cert: Path | None, password_file: Path | None,
    password_env: str | None, policy: str, force: bool,
) -> None:  # fmt: skip
    """Sign PACKAGE (any signature it has is replaced) and write OUTPUT."""
    password = _password(password_file, password_env)
    if key_path.suffix.lower() in (".p12", ".pfx"):
        key = load_pkcs12(key_path, password=password)
    else:
        key = load_pem(key_path, password=password, certificates=cert)
    result = sign(package, output, key=key, policy=policy, overwrite=force)
    click.echo(f"{result.path}  {result.size} bytes  sha256 {result.sha256}")
