"""edoc.toml and environment settings: precedence, refusals, and config-driven CLI processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from edoc.errors import InputError
from edoc.transport.config import load_config
from edoc.transport.hub_server import HubServer

from ._rabbit import PASSWORD, Rabbit
from ._support import A_SECRET, A_SYSTEM, B_ORGAN, B_SECRET, B_SYSTEM

CLI = [sys.executable, "-c", "from edoc.cli import main; main()"]


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_file_then_environment_then_options(tmp_path: Path) -> None:
    toml = write_toml(tmp_path / "edoc.toml", """
        [transport]
        url = "https://hub.example"
        system_id = "from-file"
        inbox = "in"
        timeout = 12
        retries = 7
    """.replace("        ", ""))  # fmt: skip
    only_file = load_config(toml, environ={})
    assert only_file.type == "hub"
    assert only_file.system_id == "from-file"
    assert only_file.inbox == tmp_path / "in"  # relative to the file
    assert (only_file.timeout, only_file.retries, only_file.interval) == (12.0, 7, 10.0)
    env = {"EDOC_SYSTEM_ID": "from-env", "EDOC_RETRIES": "2"}
    with_env = load_config(toml, environ=env)
    assert (with_env.system_id, with_env.retries, with_env.timeout) == ("from-env", 2, 12.0)
    with_option = load_config(toml, environ=env, system_id="from-option", retries=None)
    assert (with_option.system_id, with_option.retries) == ("from-option", 2)


def test_legacy_hub_variables_still_count() -> None:
    env = {"EDOC_HUB_ENDPOINT": "http://127.0.0.1:9", "EDOC_HUB_SYSTEM_ID": "s"}
    config = load_config(environ=env)
    assert (config.url, config.system_id, config.type) == ("http://127.0.0.1:9", "s", "hub")


def test_secrets_are_refused_in_the_file(tmp_path: Path) -> None:
    text = '[transport]\nurl = "http://h"\nsecret = "s3cr3t-x"\n'
    toml = write_toml(tmp_path / "edoc.toml", text)
    with pytest.raises(InputError, match="secret_env") as info:
        load_config(toml, environ={})
    assert "s3cr3t-x" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[transport]\nurl = "http://h"\nsystemid = "x"\n', "unknown .*'systemid'"),
        ('[transport]\nurl = "http://h"\ntimeout = "soon"\n', "timeout must be a number"),
        ('[transport]\nurl = "http://h"\ntype = "amqp"\n', "does not fit"),
        ("[transport]\nsystem_id = 'x'\n", "no transport URL"),
        ("[transport\n", "not valid TOML"),
    ],
)
def test_bad_files_are_explained(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        load_config(write_toml(tmp_path / "edoc.toml", text), environ={})


def test_password_in_the_url_is_masked_in_the_repr() -> None:
    config = load_config(environ={}, url="amqp://u:pw-77a1e@h/%2F", system_id="x")
    assert "pw-77a1e" not in repr(config)
    assert "***" in repr(config)


def test_missing_secret_names_the_variable() -> None:
    config = load_config(environ={}, url="https://h", system_id="x", secret_env="MY_SECRET")
    with pytest.raises(InputError, match="MY_SECRET"):
        config.secret(environ={})


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EDOC_")}
    return subprocess.run(
        CLI + args, env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_config_driven_send_and_receive_through_the_hub(
    hub: HubServer, new_package: Callable[..., Path], tmp_path: Path
) -> None:
    write_toml(tmp_path / "a.toml", f'[transport]\nurl = "{hub.url}"\nsystem_id = "{A_SYSTEM}"\n'
               'secret_env = "A_SECRET"\n')  # fmt: skip
    write_toml(tmp_path / "b.toml", f'[transport]\nurl = "{hub.url}"\nsystem_id = "{B_SYSTEM}"\n'
               'inbox = "inbox-b"\ninterval = 0.1\n')  # fmt: skip
    package = new_package()
    sent = _run(["send", str(package), "--config", "a.toml", "--json"], {"A_SECRET": A_SECRET},
                tmp_path)  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    receipt = json.loads(sent.stdout)
    got = _run(["receive", "--config", "b.toml", "--loop", "--max", "1", "--json"],
               {"EDOC_HUB_SECRET": B_SECRET}, tmp_path)  # fmt: skip
    assert got.returncode == 0, got.stderr
    item = json.loads(got.stdout)
    assert Path(item["path"]).parent == tmp_path / "inbox-b"
    assert Path(item["path"]).read_bytes() == package.read_bytes()
    assert item["sha256"] == receipt["sha256"]
    for text in (sent.stdout, sent.stderr, got.stdout, got.stderr):
        assert A_SECRET not in text
        assert B_SECRET not in text


def test_config_driven_send_and_receive_through_amqp(
    broker: Rabbit, new_package: Callable[..., Path], tmp_path: Path
) -> None:
    """The password comes from the variable secret_env names; the URL in the file has none."""
    url = broker.url.replace(f":{PASSWORD}@", "@")
    assert PASSWORD not in url
    common = f'[transport]\nurl = "{url}"\nsecret_env = "EDOC_AMQP_PASSWORD"\ntimeout = 10\n'
    write_toml(tmp_path / "edoc.toml", common)
    env = {"EDOC_AMQP_PASSWORD": PASSWORD, "EDOC_SYSTEM_ID": "cfg-sender"}
    package = new_package()  # addressed to B_ORGAN: the AMQP recipient is read from it
    sent = _run(["send", str(package), "--config", "edoc.toml", "--json"], env, tmp_path)
    assert sent.returncode == 0, sent.stderr
    receipt = json.loads(sent.stdout)
    assert receipt["transport"] == "amqp"
    got = _run(["receive", "--config", "edoc.toml", "--system-id", B_ORGAN, "--into", "inbox",
                "--loop", "--max", "1", "--json"], env, tmp_path)  # fmt: skip
    assert got.returncode == 0, got.stderr
    item = json.loads(got.stdout)
    assert item["doc_id"] == receipt["doc_id"]
    assert Path(tmp_path / "inbox" / Path(item["path"]).name).read_bytes() == package.read_bytes()
    for text in (sent.stdout, sent.stderr, got.stdout, got.stderr):
        assert PASSWORD not in text
    wrong = _run(["send", str(package), "--config", "edoc.toml", "--retries", "0"],
                 {**env, "EDOC_AMQP_PASSWORD": "not-the-pw-81"}, tmp_path)  # fmt: skip
    assert wrong.returncode == 5, wrong.stderr
    assert "refused the credentials" in wrong.stderr + wrong.stdout
    assert "not-the-pw-81" not in wrong.stderr + wrong.stdout


def test_a_cluster_url_gets_the_secret_on_every_node_and_the_claim_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = write_toml(tmp_path / "edoc.toml", """
[transport]
url = "amqp://edoc@mq1:5672/%2F, amqp://edoc@mq2:5673/%2F"
system_id = "000.00.00.H41"
secret_env = "MQ_PW"
claim_store = "claims"
""")  # fmt: skip
    monkeypatch.setenv("MQ_PW", "p@ss,w0rd")
    config = load_config(toml, environ={})
    assert config.claim_store == tmp_path.resolve() / "claims"
    transport = config.open(inbox=tmp_path / "in", shared=True)
    try:
        assert transport._urls == [  # type: ignore[attr-defined]
            "amqp://edoc:p%40ss%2Cw0rd@mq1:5672/%2F",
            "amqp://edoc:p%40ss%2Cw0rd@mq2:5673/%2F",
        ]
        assert transport.url == "amqp://edoc:***@mq1:5672/%2F,amqp://edoc:***@mq2:5673/%2F"  # type: ignore[attr-defined]
        assert "p%40ss" not in repr(transport)
        assert transport.shared  # type: ignore[attr-defined]
    finally:
        transport.close()
