"""Reports of a run: a self-contained HTML page and JUnit XML (the JSON is :meth:`Run.save`).

Everything from the run (vector titles, command output, a vendor's status descriptions)
is untrusted: the HTML escapes every value and carries no script at all. Its
Content-Security-Policy forbids every script and every fetch, and allows only the page's
own style sheet (by its hash). The filter works without JavaScript: its links target empty
anchors, and CSS ``:target`` rules hide the other rows.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

from lxml import etree

from edoc.conformance.results import Result, Run, Status

__all__ = ["FILTERS", "to_html", "to_junit"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:14px}
table.results{width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
td.n{text-align:right}
tr.fail td.status{background:#f8d7da} tr.pass td.status{background:#d4edda}
tr.skip td.status{background:#fff3cd} .verdict-fail{color:#b00020}
.verdict-pass{color:#1b5e20} .verdict-incomplete{color:#8a6d00}
pre{white-space:pre-wrap;margin:0;max-height:16em;overflow:auto;font-size:12px}
code.replay{font-size:12px;word-break:break-all}
nav.filter a{margin-right:1em}
.anchor{display:block}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 1em}
"""

FILTERS = {
    "all": ("All", "tr.result"),
    "failed": ("Failures", "tr.result:not(.fail)"),
    "required-failed": ("Required failures", "tr.result:not(.fail.required)"),
    "skipped": ("Skipped", "tr.result:not(.skip)"),
    "passed": ("Passed", "tr.result:not(.pass)"),
}
"""Filter id -> (link text, the rows it hides). ``all`` hides nothing."""

_ORDER = {Status.FAIL: 0, Status.SKIP: 1, Status.PASS: 2}


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _slug(text: str) -> str:
    """A class or id fragment from untrusted text: [a-z0-9-] only."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "x"


def _sorted(run: Run) -> list[Result]:
    """Failures first (required before optional), then skips, then passes; suite order
    within each."""
    return sorted(run.results, key=lambda r: (_ORDER[r.status], not r.required))


def _option(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k} → {_option(v)}" for k, v in value.items()) or "—"
    return "—" if value in (None, "") else str(value)


def _row(run: Run, r: Result) -> str:
    need = "required" if r.required else "optional"
    replay = run.replay(r)
    detail = f"<details><summary>output</summary><pre>{_e(r.detail)}</pre></details>" \
        if r.detail and r.detail != r.reason else ""  # fmt: skip
    return (
        f'<tr class="result {_e(r.status.value)} {need} cat-{_slug(r.category)}" '
        f'id="vector-{_e(r.id)}">'
        f'<td class="status">{_e(r.status.value.upper())}</td>'
        f'<td class="id"><code>{_e(r.id)}</code><br><small>{_e(r.title)}</small></td>'
        f'<td class="category">{_e(r.category)}</td><td class="required">{need}</td>'
        f'<td class="expect">{_e(r.expect)}</td><td class="actual">{_e(r.actual)}</td>'
        f'<td class="reason">{_e(r.reason)}{detail}</td>'
        f'<td class="clause">{_e(r.rule or "")}<br><small>{_e(r.clause or "")}</small></td>'
        f'<td class="replay">{f"<code class=replay>{_e(replay)}</code>" if replay else "—"}</td>'
        "</tr>"
    )


def to_html(run: Run) -> str:
    """One HTML page, no script, no external resource, readable as it is served."""
    categories = run.categories
    style = _STYLE + "".join(
        f"#only-{key}:target~table.results {hides}{{display:none}}\n"
        for key, (_, hides) in FILTERS.items() if key != "all"
    ) + "".join(
        f"#only-cat-{c}:target~table.results tr.result:not(.cat-{c}){{display:none}}\n"
        for c in map(_slug, categories)
    )  # fmt: skip
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
    csp = (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; "
           "base-uri 'none'; form-action 'none'")  # fmt: skip
    verdict = run.verdict.value
    s = run.summary
    keys = ("total", "passed", "failed", "skipped", "required_failed", "required_skipped")
    cat_rows = "".join(
        f'<tr id="category-{_slug(c)}"><th><a href="#only-cat-{_slug(c)}">{_e(c)}</a></th>'
        + "".join(f'<td class="n {k.replace("_", "-")}">{n[k]}</td>' for k in keys) + "</tr>"
        for c, n in categories.items()
    ) + '<tr id="category-all"><th><a href="#only-all">all</a></th>' + "".join(
        f'<td class="n {k.replace("_", "-")}">{s[k]}</td>' for k in keys) + "</tr>"  # fmt: skip
    anchors = "".join(f'<span class="anchor" id="only-{k}"></span>' for k in FILTERS) + "".join(
        f'<span class="anchor" id="only-cat-{_slug(c)}"></span>' for c in categories)  # fmt: skip
    links = " ".join(f'<a href="#only-{k}">{_e(text)}</a>' for k, (text, _) in FILTERS.items())
    links += " · " + " ".join(f'<a href="#only-cat-{_slug(c)}">{_e(c)}</a>' for c in categories)
    options = "".join(
        f"<dt>{_e(k)}</dt><dd><code>{_e(_option(v))}</code></dd>"
        for k, v in run.options.items() if k != "replay"
    )  # fmt: skip
    rows = "".join(_row(run, r) for r in _sorted(run))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<meta name="referrer" content="no-referrer">
<title>edoc conformance: {_e(run.target)} {_e(verdict.upper())}
 (suite {_e(run.suite_version)}, seed {_e(run.seed)})</title>
<style>{style}</style></head>
<body>
<h1>edoc conformance report: <span id="target">{_e(run.target)}</span>
 <span id="verdict" class="verdict-{_e(verdict)}">{_e(verdict.upper())}</span></h1>
<p id="verdict-text">{_e(_VERDICT[run.verdict.value])}</p>
<h2>Summary by category</h2>
<table class="categories" id="categories"><thead><tr><th>Category</th><th>Vectors</th>
<th>Passed</th><th>Failed</th><th>Skipped</th><th>Required failed</th>
<th>Required skipped</th></tr></thead><tbody>{cat_rows}</tbody></table>
<h2>Run</h2>
<dl class="facts">
<dt>Suite version</dt><dd id="suite-version">{_e(run.suite_version)}</dd>
<dt>Seed</dt><dd id="seed">{_e(run.seed)}</dd>
<dt>Size</dt><dd>{_e(run.size)}</dd>
<dt>edoc</dt><dd>{_e(run.edoc_version)}</dd>
<dt>Started / finished</dt><dd>{_e(run.started)} / {_e(run.finished)}</dd>
{options}
</dl>
<h2>Vectors</h2>
<p>Failures first, then skipped vectors, then passes. The last column is the command that
runs one vector again with the same seed and keeps its file in
<code>{_e("conformance-replay/")}</code>.</p>
<nav class="filter" id="filter">Show: {links}</nav>
{anchors}
<table class="results" id="results"><thead><tr><th>Result</th><th>Vector</th><th>Category</th>
<th>Need</th><th>Expected</th><th>What happened</th><th>Why</th><th>Rule / clause</th>
<th>Replay</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


_VERDICT = {
    "pass": "Every required vector ran and passed (exit code 0).",
    "fail": "The product failed at least one required vector (exit code 1).",
    "incomplete": "No required vector failed, but required vectors were skipped: "
    "this run is not a pass (exit code 3).",
}


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def to_junit(run: Run) -> str:
    """JUnit XML: one testsuite per category, one testcase per vector."""
    root = etree.Element("testsuites", name=_x(f"edoc conformance {run.target}"))
    root.set("tests", str(len(run.results)))
    root.set("failures", str(run.count(Status.FAIL)))
    root.set("skipped", str(run.count(Status.SKIP)))
    by_category: dict[str, list[Result]] = {}
    for r in run.results:
        by_category.setdefault(r.category, []).append(r)
    for category, results in by_category.items():
        suite = etree.SubElement(root, "testsuite", name=_x(f"{run.target}.{category}"))
        props = etree.SubElement(suite, "properties")
        for k, v in (("suite_version", run.suite_version), ("seed", str(run.seed)),
                     ("target", run.target)):  # fmt: skip
            etree.SubElement(props, "property", name=k, value=_x(v))
        fails = skips = 0
        seconds = 0.0
        for r in results:
            case = etree.SubElement(
                suite, "testcase", name=_x(r.id),
                classname=_x(f"conformance.{run.target}.{category}"), time=f"{r.seconds:.3f}",
            )  # fmt: skip
            seconds += r.seconds
            message = (r.reason or f"expected {r.expect}; {r.actual}") + (
                "" if r.required else " (optional)"
            )
            if r.status is Status.FAIL:
                fails += 1
                el = etree.SubElement(
                    case, "failure", message=_x(message), type=_x(r.rule or "conformance")
                )
                el.text = _x(r.detail)
            elif r.status is Status.SKIP:
                skips += 1
                etree.SubElement(case, "skipped", message=_x(r.detail or "skipped"))
            out = etree.SubElement(case, "system-out")
            out.text = _x(f"{r.title}\nrule: {r.rule or '-'}\nclause: {r.clause or '-'}\n")
        suite.set("tests", str(len(results)))
        suite.set("failures", str(fails))
        suite.set("errors", "0")
        suite.set("skipped", str(skips))
        suite.set("time", f"{seconds:.3f}")
    return etree.tostring(root, encoding="unicode", pretty_print=True)
