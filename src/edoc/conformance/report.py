"""Reports of a run: a self-contained HTML page and JUnit XML (the JSON is :meth:`Run.save`).

Everything from the run (vector titles, command output, a vendor's status descriptions)
is untrusted: the HTML escapes every value, embeds the run as JSON that cannot close its
script element, and forbids any script but its own with a Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re

from lxml import etree

from edoc.conformance.results import Result, Run, Status

__all__ = ["to_html", "to_junit"]

# Fills the summary from the embedded JSON: the counts on the page are the browser's work.
_SCRIPT = """
(function () {
  var run = JSON.parse(document.getElementById("run-data").textContent);
  var s = run.summary;
  var set = function (id, v) { document.getElementById(id).textContent = String(v); };
  set("count-total", s.total);
  set("count-passed", s.passed);
  set("count-failed", s.failed);
  set("count-skipped", s.skipped);
  set("count-required-failed", s.required_failed);
  set("verdict", run.ok ? "PASS" : "FAIL");
  document.getElementById("verdict").className = run.ok ? "verdict pass" : "verdict fail";
  document.body.setAttribute("data-rendered", "yes");
})();
"""

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
tr.fail td.status{background:#f8d7da} tr.pass td.status{background:#d4edda}
tr.skip td.status{background:#eee} .verdict.fail{color:#b00020} .verdict.pass{color:#1b5e20}
pre{white-space:pre-wrap;margin:0;max-height:12em;overflow:auto;font-size:12px}
dl.summary{display:grid;grid-template-columns:max-content auto;gap:2px 1em}
"""


def _json_for_script(data: object) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' survive literally."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def to_html(run: Run) -> str:
    """One HTML page, no external resource; summary counts filled in by an inline script."""
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    rows = []
    for r in run.results:
        rows.append(
            f'<tr class="result {_e(r.status.value)}" id="vector-{_e(r.id)}">'
            f'<td class="id">{_e(r.id)}</td><td class="category">{_e(r.category)}</td>'
            f'<td class="status">{_e(r.status.value)}</td>'
            f'<td class="required">{"required" if r.required else "optional"}</td>'
            f'<td class="expect">{_e(r.expect)}</td><td class="actual">{_e(r.actual)}</td>'
            f'<td class="rule">{_e(r.rule or "")}<br><small>{_e(r.clause or "")}</small></td>'
            f'<td class="title">{_e(r.title)}<pre>{_e(r.detail)}</pre></td></tr>'
        )
    options = "".join(
        f"<dt>{_e(k)}</dt><dd>{_e(json.dumps(v, ensure_ascii=False))}</dd>"
        for k, v in run.options.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<title>edoc conformance: {_e(run.target)}
 (suite {_e(run.suite_version)}, seed {_e(run.seed)})</title>
<style>{_STYLE}</style></head>
<body data-rendered="no">
<h1>edoc conformance report: <span id="target">{_e(run.target)}</span>
 <span id="verdict" class="verdict"></span></h1>
<dl class="summary">
<dt>Suite version</dt><dd id="suite-version">{_e(run.suite_version)}</dd>
<dt>Seed</dt><dd id="seed">{_e(run.seed)}</dd>
<dt>Size</dt><dd>{_e(run.size)}</dd>
<dt>edoc</dt><dd>{_e(run.edoc_version)}</dd>
<dt>Started / finished</dt><dd>{_e(run.started)} / {_e(run.finished)}</dd>
<dt>Vectors</dt><dd id="count-total" class="count"></dd>
<dt>Passed</dt><dd id="count-passed" class="count"></dd>
<dt>Failed</dt><dd id="count-failed" class="count"></dd>
<dt>Required failed</dt><dd id="count-required-failed" class="count"></dd>
<dt>Skipped</dt><dd id="count-skipped" class="count"></dd>
{options}
</dl>
<noscript><p>Counts: {_e(json.dumps(run.summary))}</p></noscript>
<table id="results"><thead><tr><th>Vector</th><th>Category</th><th>Result</th><th>Need</th>
<th>Expected</th><th>What happened</th><th>Rule / clause</th><th>Title and detail</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody></table>
<script type="application/json" id="run-data">{_json_for_script(run.to_dict())}</script>
<script>{_SCRIPT}</script>
</body></html>
"""


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
            message = f"expected {r.expect}; {r.actual}" + ("" if r.required else " (optional)")
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
