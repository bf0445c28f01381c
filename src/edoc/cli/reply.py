"""``edoc reply``: the status package (01 … 16) that answers a received package."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from edoc.cli._common import input_source, limits_option, parse_limits
from edoc.errors import InputError
from edoc.model import EdocPackage, Organization, StaffInfo, StatusCode, StatusPackage
from edoc.xml import read, write

__all__ = ["reply_command"]

REASON_REQUIRED = (StatusCode.REJECTED, StatusCode.RETRIEVAL_REQUESTED, StatusCode.CHANGE_REJECTED)
"""Codes whose Description must say why (the standard's samples all carry a reason)."""

_CODES = [c.value for c in StatusCode]


def _replier(pkg: EdocPackage, code: StatusCode, organ_id: str | None) -> Organization | None:
    """The organisation that replies: --from picked out of the package (To, or From for 13)."""
    header = pkg.header
    candidates = [header.from_] if code.sent_by_sender else list(header.to)
    if organ_id is None:
        if len(candidates) > 1:
            known = ", ".join(o.organ_id.value for o in candidates)
            raise InputError(f"the package has {len(candidates)} recipients ({known}): "
                             "pass --from ORGANID to say which one replies")  # fmt: skip
        return None
    for org in candidates:
        if org.organ_id.value == organ_id:
            return org
    role = "the sender (From)" if code.sent_by_sender else "a recipient (To)"
    known = ", ".join(o.organ_id.value for o in candidates)
    raise InputError(f"--from {organ_id} is not {role} of the package; it names: {known}")


@click.command("reply")
@click.argument("package", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--code",
    type=click.Choice(_CODES),
    required=True,
    help="The StatusCode: 01 received, 02 rejected, 03 accepted, 04 assigned, 05 processing, "
    "06 completed, 13 retrieval requested (by the sender), 15/16 change accepted/rejected.",
)
@click.option(
    "--description",
    help="The Description (default: the code's usual Vietnamese wording); required for "
    "02, 13 and 16, where it gives the reason.",
)
@click.option(
    "--from",
    "organ_id",
    metavar="ORGANID",
    help="Who replies, when the package has several recipients (for 13: its sender).",
)
@click.option("--department", help="StaffInfo: the department that handled the document.")
@click.option("--staff", help="StaffInfo: the person who handled it.")
@click.option("--email", help="StaffInfo: their e-mail.")
@click.option("--mobile", help="StaffInfo: their telephone.")
@click.option(
    "--timestamp",
    "timestamp_text",
    metavar="ISO-8601",
    help="When the status was reached (default: now), e.g. 2025-10-01T08:30:00+07:00.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@limits_option
def reply_command(
    package: str, code: str, description: str | None, organ_id: str | None,
    department: str | None, staff: str | None, email: str | None, mobile: str | None,
    timestamp_text: str | None, output: Path, force: bool, limits: tuple[str, ...],
) -> None:  # fmt: skip
    """Write the status package that answers PACKAGE (a file, or - for standard input)."""
    status = StatusCode(code)
    if status in REASON_REQUIRED and not (description and description.strip()):
        raise click.UsageError(f"--code {code} needs --description with the reason")
    timestamp = None
    if timestamp_text is not None:
        try:
            timestamp = dt.datetime.fromisoformat(timestamp_text)
        except ValueError:
            raise click.BadParameter(
                f"{timestamp_text!r} is not an ISO-8601 time", param_hint="--timestamp"
            ) from None
        if timestamp.tzinfo is None:
            raise click.BadParameter("give a time zone, e.g. +07:00", param_hint="--timestamp")
    pkg = read(input_source(package), limits=parse_limits(limits))
    if not isinstance(pkg, EdocPackage):
        raise InputError(f"{package} is a status package: only a document is answered")
    staff_info = None
    if any((department, staff, email, mobile)):
        staff_info = StaffInfo(department=department, staff=staff, email=email, mobile=mobile)
    answer = StatusPackage.reply_to(
        pkg, code=status, from_=_replier(pkg, status, organ_id), staff_info=staff_info,
        description=description, timestamp=timestamp,
    )  # fmt: skip
    result = write(answer, output, overwrite=force)
    click.echo(f"{result.path}  status {status.value}  {result.size} bytes  "
               f"sha256 {result.sha256}")  # fmt: skip
