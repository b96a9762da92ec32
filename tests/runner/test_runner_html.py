"""The HTML report opens in a real browser (headless Chromium): every plot decodes and nothing
is fetched from the network."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)

# Appended to a copy of the page: records each image's decoded size, every resource the page
# fetched and every request the Content-Security-Policy blocked, into the DOM Chromium dumps.
PROBE = """
(function () {
  var blocked = [];
  document.addEventListener('securitypolicyviolation', function (e) { blocked.push(e.blockedURI); });
  function report() {
    var imgs = Array.prototype.map.call(document.images, function (i) {
      return {alt: i.alt, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight};
    });
    var res = performance.getEntriesByType('resource').map(function (r) { return r.name; });
    var svg = document.querySelector('div.diagram svg');
    var box = svg ? svg.getBBox() : null;
    var drawn = box ? {w: box.width, h: box.height, objects: svg.querySelectorAll('g.object').length} : null;
    var out = document.createElement('pre');
    out.id = 'catdyn-probe';
    out.textContent = JSON.stringify({images: imgs, resources: res, blocked: blocked, svg: drawn});
    document.body.appendChild(out);
  }
  if (document.readyState === 'complete') { report(); } else { window.addEventListener('load', report); }
})();
"""


def _probe_copy(report: Path, dst: Path) -> Path:
    """The report with PROBE added, allowed by its hash only (the page's own policy, which
    forbids every fetch, is otherwise unchanged)."""
    page = report.read_text()
    digest = base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode()
    page = page.replace("default-src 'none';", f"default-src 'none'; script-src 'sha256-{digest}';", 1)
    page = page.replace("</body>", f"<script>{PROBE}</script></body>", 1)
    dst.write_text(page)
    return dst


def _dump_dom(page: Path, tmp: Path) -> str:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--user-data-dir=" + str(tmp / "profile"),
        "--virtual-time-budget=10000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_report_renders_offline_with_every_plot_decoded(tiny_store, tmp_path) -> None:
    out, run = tiny_store
    report = Path(out) / "reports" / run / "report.html"
    html = report.read_text()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html)  # no remote resource at all
    # the only URI is the inline SVG's namespace, a name that nothing fetches
    assert not re.search(r"https?://", html.replace('xmlns="http://www.w3.org/2000/svg"', ""))
    n_images = html.count("<img ")
    assert n_images >= 1  # the training curves
    assert html.count("<svg ") == 1  # the diagram, inline

    dom = _dump_dom(_probe_copy(report, tmp_path / "probe.html"), tmp_path)
    found = re.search(r'<pre id="catdyn-probe">(.*?)</pre>', dom, re.S)
    assert found, "the probe did not run (the page did not load?)"
    probe = json.loads(
        found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    )
    assert len(probe["images"]) == n_images
    undecoded = [i["alt"] for i in probe["images"] if not (i["complete"] and i["w"] > 0 and i["h"] > 0)]
    assert undecoded == []
    assert probe["resources"] == [] and probe["blocked"] == []
    n_objects = len(re.findall(r'<g class="object[ "]', html))
    assert probe["svg"]["w"] > 100 and probe["svg"]["h"] > 50 and probe["svg"]["objects"] == n_objects >= 3
    assert "catdyn report: digits-ensemble" in dom and "Failures" in dom


def test_the_probe_would_see_a_broken_image_and_a_network_fetch(tmp_path) -> None:
    """The check above can fail: a page with an undecodable image and a remote image is caught."""
    from catdyn.runner.report import CSP

    page = tmp_path / "bad.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="{CSP}"></head><body>'
        '<img alt="broken" src="data:image/png;base64,AAAA"><img alt="remote" src="http://192.0.2.1/x.png">'
        "</body></html>"
    )
    dom = _dump_dom(_probe_copy(page, tmp_path / "probe.html"), tmp_path)
    probe = json.loads(
        re.search(r'<pre id="catdyn-probe">(.*?)</pre>', dom, re.S).group(1).replace("&quot;", '"')
    )
    assert [i["w"] for i in probe["images"]] == [0, 0]
    assert any("192.0.2.1" in b for b in probe["blocked"])
