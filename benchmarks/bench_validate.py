"""Packages validated per second: edoc (one core, all cores) beside xmllint --schema.

    .venv/bin/python benchmarks/bench_validate.py [--count 10000] [--profile interop]

Generates COUNT small edoc packages (varied text, one or two small attachments) in a work
folder, then times, in this run and on the same files with the same XSD:
- edoc on one core: ``edoc.validate`` in a loop in one process (schema + every rule);
- the CLI: ``edoc validate -j 1 --format json`` and ``-j CORES`` (a process pool);
- xmllint: ``xmllint --noout --schema schemas/edoc-PROFILE.xsd FILE...`` in one process
  over all files (batched to stay under the argument limit): schema only, no rules.
Prints packages per second, the ratio to xmllint on the same number of cores (> 1 means
edoc is faster), and how each scales from one core to all of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
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


def cpu() -> float:
    """CPU seconds used so far by this process and its finished children: the per-core
    figure, which a busy shared machine disturbs far less than wall time."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


Timing = tuple[float, float]
"""(wall seconds, CPU seconds)."""


def xmllint(files: list[Path], xsd: Path, jobs: int = 1) -> Timing:
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
    start, used = time.perf_counter(), cpu()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(run, batches))
    return time.perf_counter() - start, cpu() - used


def cli(work: Path, profile: str, jobs: int) -> Timing:
    """``edoc validate -j JOBS --format json`` over the work folder."""
    start, used = time.perf_counter(), cpu()
    r = subprocess.run(
        [sys.executable, "-m", "edoc", "validate", "--profile", profile, "-j", str(jobs),
         "--format", "json", "-o", str(work / "report.json"), str(work)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    took = time.perf_counter() - start, cpu() - used
    if r.returncode != 0:
        raise SystemExit(f"edoc validate exited {r.returncode}: {r.stderr[-2000:]}")
    return took


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
    start, used = time.perf_counter(), cpu()
    bad = [f for f in files if not validate(f, profile=args.profile, now=now).ok]
    t_one = time.perf_counter() - start, cpu() - used
    if bad:
        raise SystemExit(f"edoc found errors in {len(bad)} packages, e.g. {bad[0]}")

    t_cli_one = cli(work, args.profile, 1)
    t_cli_all = cli(work, args.profile, cores)

    n = len(files)
    print(f"{'':31}{'wall s':>7}{'pkg/s':>7}{'vs xmllint':>11}{'CPU s':>7}"
          f"{'pkg/CPU-s':>10}{'vs xmllint':>11}")  # fmt: skip
    rows = [
        ("xmllint --schema, 1 proc", t_lint, t_lint),
        ("edoc.validate(), 1 core", t_one, t_lint),
        ("edoc validate -j 1 (CLI)", t_cli_one, t_lint),
        (f"xmllint --schema, {cores} procs", t_lint_all, t_lint_all),
        (f"edoc validate -j {cores} (CLI)", t_cli_all, t_lint_all),
    ]
    for label, (wall, used), (peer_wall, peer_used) in rows:
        print(f"{label:31}{wall:7.2f}{n / wall:7.0f}{peer_wall / wall:11.2f}"
              f"{used:7.2f}{n / used:10.0f}{peer_used / used:11.2f}")  # fmt: skip
    print(
        f"wall-time scaling 1 -> {cores} cores: edoc CLI {t_cli_one[0] / t_cli_all[0]:.2f}x, "
        f"xmllint {t_lint[0] / t_lint_all[0]:.2f}x; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "(vs xmllint: on the same number of cores, > 1 means edoc is faster. edoc does the "
        "schema and every business rule; xmllint the schema only. The CLI figures include "
        "interpreter start-up and writing the JSON report.)"
    )
    if args.workdir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
