"""Packages validated per second: edoc (one core, all cores) beside xmllint --schema.

    .venv/bin/python benchmarks/bench_validate.py [--count 10000] [--profile interop]

Generates COUNT small edoc packages (varied text, one or two small attachments) in a work
folder, then times, in this run and on the same files with the same XSD:
- edoc on one core: ``edoc.validate`` in a loop in one process (schema + every rule);
- edoc on all cores: ``edoc validate --format json`` (the CLI, a process pool);
- xmllint: ``xmllint --noout --schema schemas/edoc-PROFILE.xsd FILE...`` in one process
  over all files (batched to stay under the argument limit): schema only, no rules.
Prints packages per second and the ratio to xmllint (> 1 means edoc is faster).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import edoc  # noqa: E402
from edoc.validation import validate  # noqa: E402
from edoc.validation.schema import schema_path  # noqa: E402


def make(i: int) -> edoc.EdocPackage:
    header = edoc.MessageHeader(
        from_=edoc.Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ"),
        to=[
            edoc.Organization(organ_id=f"000.00.{i % 100:02d}.H41", organ_name="UBND tỉnh Nghệ An")
        ],
        code=edoc.Code(number=str(1000 + i), notation="VPCP-TTĐT"),
        promulgation_info=edoc.PromulgationInfo(
            place="Hà Nội", promulgation_date=dt.date(2025, 9, 30)
        ),
        document_type=edoc.DocumentType(type_code=1, type_name="Công văn"),
        subject=f"V/v kết nối, liên thông phần mềm quản lý văn bản số {i}",
        to_places=("Như trên", "Lưu: VT"),
    )
    trace = edoc.TraceHeaderList(
        business=edoc.Business(doc_reason="Văn bản điện tử mới"),
        trace_headers=[
            edoc.TraceHeader(
                organ_id="000.00.00.G22", timestamp=dt.datetime(2025, 9, 30, 10, tzinfo=edoc.VN_TZ)
            )
        ],
    )
    atts = [edoc.Attachment.from_bytes(b"%PDF-1.4 " + os.urandom(2000), name=f"{i}.pdf")]
    if i % 3 == 0:
        atts.append(edoc.Attachment.from_bytes(b"PK\x03\x04" + os.urandom(1000), name=f"{i}.zip"))
    return edoc.EdocPackage(header=header, trace=trace, attachments=atts)


def xmllint(files: list[Path], xsd: Path, jobs: int = 1) -> float:
    """xmllint over all files in batches of 2000, ``jobs`` processes at a time."""
    from concurrent.futures import ThreadPoolExecutor

    def run(batch: list[Path]) -> None:
        r = subprocess.run(
            ["xmllint", "--noout", "--schema", str(xsd), *map(str, batch)],
            capture_output=True,
            text=True,
            check=False,
        )
        if r.returncode != 0:
            raise SystemExit(f"xmllint rejected a package:\n{r.stderr[-2000:]}")

    size = min(2000, -(-len(files) // jobs))
    batches = [files[k : k + size] for k in range(0, len(files), size)]
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(run, batches))
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--profile", choices=["interop", "strict"], default="interop")
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    if shutil.which("xmllint") is None:
        raise SystemExit("xmllint is not installed (Debian: apt-get install libxml2-utils)")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-validate-", dir=ROOT / "benchmarks"))
    work.mkdir(parents=True, exist_ok=True)
    files = [work / f"p{i:05d}.edxml" for i in range(args.count)]
    for i, f in enumerate(files):
        if not f.exists():
            edoc.write(make(i), f, durable=False)
    size = sum(f.stat().st_size for f in files) / len(files)
    xsd = schema_path("edoc", args.profile)
    now = dt.datetime(2026, 1, 1, tzinfo=edoc.VN_TZ)
    print(
        f"{len(files)} packages, {size / 1024:.1f} KiB each on average; profile {args.profile}; "
        f"{os.cpu_count()} cores; python {sys.version.split()[0]}"
    )

    t_lint = xmllint(files, xsd)
    cores = os.cpu_count() or 1
    t_lint_all = xmllint(files, xsd, jobs=cores)

    validate(files[0], profile=args.profile, now=now)  # warm the schema cache
    start = time.perf_counter()
    bad = [f for f in files if not validate(f, profile=args.profile, now=now).ok]
    t_one = time.perf_counter() - start
    if bad:
        raise SystemExit(f"edoc found errors in {len(bad)} packages, e.g. {bad[0]}")

    start = time.perf_counter()
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "edoc",
            "validate",
            "--profile",
            args.profile,
            "--format",
            "json",
            "-o",
            str(work / "report.json"),
            str(work),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    t_all = time.perf_counter() - start
    if r.returncode not in (0,):
        raise SystemExit(f"edoc validate exited {r.returncode}: {r.stderr[-2000:]}")

    n = len(files)
    print(f"{'':28}{'s':>8}{'pkg/s':>10}{'vs xmllint':>12}")
    print(f"{'xmllint --schema (1 proc)':28}{t_lint:8.2f}{n / t_lint:10.0f}{1.0:12.2f}")
    print(f"{'edoc validate, 1 core':28}{t_one:8.2f}{n / t_one:10.0f}{t_lint / t_one:12.2f}")
    print(f"{'edoc validate CLI, all cores':28}{t_all:8.2f}{n / t_all:10.0f}{t_lint / t_all:12.2f}")
    print(
        f"{f'xmllint, {cores} procs':28}{t_lint_all:8.2f}{n / t_lint_all:10.0f}"
        f"{t_lint / t_lint_all:12.2f}"
    )
    print(f"edoc CLI vs xmllint on the same {cores} cores: {t_lint_all / t_all:.2f}")
    print(
        "(edoc does the schema and every business rule; xmllint the schema only. "
        "The CLI figure includes interpreter start-up and writing the JSON report.)"
    )
    if args.workdir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
