"""checks.emc: the snippet parser against every failure mode of criteria.md, then fixture
portals with a local tracker stand-in (script and /tracking endpoint on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import emc
from tests.fixtures.checks_psae.harness import (
    BrowserRunner,
    Reply,
    Site,
    fixture_text,
    make_ctx,
    one,
)

REAL_TRACKER = "https://f-emc.ngsp.gov.vn"


def snippet(tracker: str = REAL_TRACKER, site_id: str = "227") -> str:
    """The snippet as criteria.md shows it, with a tracker origin and a site id."""
    return (fixture_text("emc_snippet.html").replace("{TRACKER}", tracker)
            .replace("{SITE_ID}", site_id))


def page(body: str) -> str:
    return f"<!doctype html><html lang=vi><head><title>DVC</title></head><body>{body}</body></html>"


# --------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------

def test_the_reference_snippet_is_active() -> None:
    found = emc.parse_emc(page(snippet()), "https://dvc.example.gov.vn/")
    assert found.active and found.present and not found.commented
    assert found.site_id == "227" and found.site_id_ok
    assert found.tracker_url == "https://f-emc.ngsp.gov.vn/tracking"
    assert found.tracker_https("https://dvc.example.gov.vn/")
    assert found.script_src == "https://f-emc.ngsp.gov.vn/embed/gov-tracking.min.js"
    assert not found.minified
    assert found.summary().startswith("active; site id '227'")


def test_no_snippet() -> None:
    found = emc.parse_emc(page("<script>var x = 1;</script>"))
    assert not found.present and not found.active
    assert found.summary() == "no EMC snippet"


def script_only(text: str) -> str:
    """The snippet without its own Begin/End HTML comments."""
    return "\n".join(line for line in text.splitlines() if "EMC Tracking Code" not in line)


def test_block_inside_an_html_comment_is_inactive() -> None:
    found = emc.parse_emc(page(f"<!--\n{script_only(snippet())}\n-->"))
    assert found.present and not found.active and found.commented
    assert "commented out" in found.summary()


def test_a_comment_around_the_marked_block_ends_early_and_the_code_runs() -> None:
    # '<!-- <!-- Begin EMC Tracking Code --> <script>...' : the first '-->' closes the
    # comment, so the script is live (browsers agree, see test_commented_out_portal).
    found = emc.parse_emc(page(f"<!--\n{snippet()}\n-->"))
    assert found.active and found.site_id == "227"


@pytest.mark.parametrize("wrap", [
    lambda code: code.replace("_govaq.push(", "// _govaq.push("),
    lambda code: code.replace("var _govaq", "/* var _govaq").replace("})();", "})(); */"),
])
def test_pushes_inside_js_comments_are_inactive(wrap) -> None:
    found = emc.parse_emc(page(wrap(snippet())))
    assert found.present and not found.active


def test_old_style_html_comment_inside_the_script_still_runs() -> None:
    code = snippet().replace("<script type=\"text/javascript\">",
                             "<script type=\"text/javascript\">\n<!--")
    code = code.replace("</script>", "//-->\n</script>")
    found = emc.parse_emc(page(code))
    assert found.active and found.site_id == "227"


@pytest.mark.parametrize("value", ["", " ", "0", "null"])
def test_empty_site_id(value: str) -> None:
    found = emc.parse_emc(page(snippet(site_id=value)))
    assert found.active and not found.site_id_ok
    assert "empty site id" in found.site_id_note


@pytest.mark.parametrize("value", ["{{siteId}}", "<%= siteId %>", "${SITE_ID}",
                                   "@Model.SiteId", "{siteId}", "__SITE_ID__", "[[siteId]]"])
def test_template_variable_site_id_counts_as_empty(value: str) -> None:
    found = emc.parse_emc(page(snippet(site_id=value)))
    assert found.active and not found.site_id_ok
    assert "placeholder" in found.site_id_note


def test_site_id_from_a_js_variable_is_not_readable() -> None:
    code = snippet().replace("'227'", "siteId")
    found = emc.parse_emc(page(code))
    assert found.active and not found.site_id_ok and found.site_id is None
    assert found.site_id_note == "site id set from variable siteId"
    resolved = emc.parse_emc(page("<script>var siteId = '31';</script>" + code))
    assert resolved.site_id == "31" and resolved.site_id_ok


def test_http_tracker_url() -> None:
    found = emc.parse_emc(page(snippet(tracker="http://f-emc.ngsp.gov.vn")))
    assert found.active and not found.tracker_https("https://dvc.example.gov.vn/")


def test_protocol_relative_tracker_follows_the_page() -> None:
    found = emc.parse_emc(page(snippet(tracker="//f-emc.ngsp.gov.vn")))
    assert found.tracker_https("https://dvc.example.gov.vn/")
    assert not found.tracker_https("http://dvc.example.gov.vn/")


def test_minified_one_line_variant() -> None:
    code = ('<script>var _govaq=window._govaq||[];_govaq.push(["trackPageView"]),'
            '_govaq.push(["enableLinkTracking"]),function(){_govaq.push(["setTrackerUrl",'
            '"https://f-emc.ngsp.gov.vn/tracking"]),_govaq.push(["setSiteId","227"]);var e='
            'document,t=e.createElement("script"),a=e.getElementsByTagName("script")[0];t.type='
            '"text/javascript",t.async=!0,t.defer=!0,t.src="https://f-emc.ngsp.gov.vn/embed/'
            'gov-tracking.min.js",a.parentNode.insertBefore(t,a)}();</script>')
    found = emc.parse_emc(page(code))
    assert found.active and found.minified and found.site_id == "227"
    assert found.tracker_url == "https://f-emc.ngsp.gov.vn/tracking"
    assert found.script_src == "https://f-emc.ngsp.gov.vn/embed/gov-tracking.min.js"


def test_matomo_style_concatenated_tracker_url() -> None:
    code = ("<script>var _govaq = window._govaq || []; _govaq.push(['trackPageView']);"
            "(function(){ var u = \"https://f-emc.ngsp.gov.vn/\";"
            " _govaq.push(['setTrackerUrl', u + 'tracking']); _govaq.push(['setSiteId', 9]);"
            " var g = document.createElement('script'); g.src = u + 'embed/gov-tracking.min.js';"
            "})();</script>")
    found = emc.parse_emc(page(code))
    assert found.tracker_url == "https://f-emc.ngsp.gov.vn/tracking"
    assert found.site_id == "9" and found.site_id_ok
    assert found.script_src == "https://f-emc.ngsp.gov.vn/embed/gov-tracking.min.js"


@pytest.mark.parametrize("switch", [
    '(("https:" == document.location.protocol) ? "https" : "http") + "://f-emc.ngsp.gov.vn/"',
    "('https:' === location.protocol ? 'https://' : 'http://') + 'f-emc.ngsp.gov.vn/'",
    '(document.location.protocol == "https:" ? "https" : "http") + "://f-emc.ngsp.gov.vn/"',
])
def test_matomo_s_classic_loader_follows_the_page_s_scheme(switch: str) -> None:
    """The tracker URL built from the page's protocol is https on an https page."""
    code = ("<script>var _govaq = window._govaq || []; _govaq.push(['trackPageView']);"
            f"(function(){{ var u = {switch};"
            " _govaq.push(['setTrackerUrl', u + 'tracking']); _govaq.push(['setSiteId', '9']);"
            " var g = document.createElement('script'); g.src = u + 'embed/gov-tracking.min.js';"
            "})();</script>")
    found = emc.parse_emc(page(code), "https://dvc.example.gov.vn/")
    assert found.tracker_url == "//f-emc.ngsp.gov.vn/tracking"
    assert found.tracker_https("https://dvc.example.gov.vn/")
    assert not found.tracker_https("http://dvc.example.gov.vn/")
    assert found.script_src == "https://f-emc.ngsp.gov.vn/embed/gov-tracking.min.js"


@pytest.mark.parametrize("tag", ['<script type="text/plain">', '<script src="/x.js">',
                                 '<script type="text/x-template">'])
def test_code_that_never_runs(tag: str) -> None:
    code = snippet().replace('<script type="text/javascript">', tag)
    found = emc.parse_emc(page(code))
    assert found.present and not found.active


def test_strings_and_regexes_are_not_comments() -> None:
    code, comments = emc.strip_js_comments(
        "var a = 'http://x//y'; var r = /\\/\\//g; // note\nvar b = `//${a}`; /* c */ x = 1 / 2;")
    assert "'http://x//y'" in code and "/\\/\\//g" in code and "`//${a}`" in code
    assert comments == "// note\n/* c */"


def test_home_page_only_snippet_gives_a_partial_ratio() -> None:
    with_snippet = emc.PageReading("https://a/", emc.parse_emc(page(snippet())))
    without = emc.PageReading("https://a/tra-cuu", emc.parse_emc(page("")))
    found = emc.snippet_observations([with_snippet, without], "https://a/", [])
    ratio = one(found, "emc.snippet_pages")
    assert ratio.value == 0.5 and "https://a/tra-cuu (no EMC snippet)" in ratio.detail
    assert one(found, "emc.site_id").value is True
    assert one(found, "emc.tracker_https").value is True


def test_site_id_set_at_run_time_is_read_from_the_tracking_request() -> None:
    parsed = emc.parse_emc(page(snippet().replace("'227'", "window.EMC_ID")))
    reading = emc.PageReading("https://a/", parsed,
                              ["https://f-emc.ngsp.gov.vn/tracking?idsite=55&rec=1"])
    found = emc.snippet_observations([reading], "https://a/", [])
    site = one(found, "emc.site_id")
    assert site.value is True and "55 (from the tracking request)" in site.detail


def test_tracking_request_matching() -> None:
    tracker = "https://f-emc.ngsp.gov.vn/tracking"
    assert emc.is_tracking("https://f-emc.ngsp.gov.vn/tracking?idsite=1", tracker)
    assert emc.is_tracking("https://f-emc.ngsp.gov.vn/tracking?idsite=1", None)
    assert not emc.is_tracking("https://f-emc.ngsp.gov.vn/embed/gov-tracking.min.js", tracker)
    assert emc.is_tracker_script("https://f-emc.ngsp.gov.vn/embed/gov-tracking.min.js?v=2", None)


# --------------------------------------------------------------------------------------
# Fixture portals with a local tracker
# --------------------------------------------------------------------------------------

SPA_SHELL = page("""<div id="app"></div><script>
  setTimeout(function () {
    document.getElementById('app').innerHTML = '<h1>Ứng dụng</h1>';
    var s = document.createElement('script');
    s.text = "var _govaq = window._govaq || []; _govaq.push(['trackPageView']);" +
      "_govaq.push(['setTrackerUrl', '{TRACKER}/tracking']); _govaq.push(['setSiteId', '88']);" +
      "var g = document.createElement('script');" +
      "g.src = '{TRACKER}/embed/gov-tracking.min.js'; document.head.appendChild(g);";
    document.body.appendChild(s);
  }, 50);
</script>""")


@pytest.fixture(scope="module")
def runner() -> Iterator[BrowserRunner]:
    browser_runner = BrowserRunner()
    yield browser_runner
    browser_runner.stop()


@pytest.fixture(scope="module")
def tracker() -> Iterator[Site]:
    site = Site({"/embed/gov-tracking.min.js": Reply(fixture_text("gov-tracking.min.js"),
                                                     content_type="text/javascript"),
                 "/tracking": Reply(b"", status=204, content_type="image/gif")})
    yield site
    site.stop()


@pytest.fixture(scope="module")
def portals(tracker: Site) -> Iterator[dict[str, Site]]:
    good = snippet(tracker.origin)
    commented = f"<!--{script_only(snippet(tracker.origin))}-->"
    sites = {
        "good": Site({"/": Reply(page(good)), "/tra-cuu": Reply(page("Tra cứu" + good))}),
        "home_only": Site({"/": Reply(page(good)), "/tra-cuu": Reply(page("Tra cứu"))}),
        "commented": Site({"/": Reply(page(commented))}),
        "spa": Site({"/": Reply(SPA_SHELL.replace("{TRACKER}", tracker.origin)),
                     "/vi/dossier": Reply(SPA_SHELL.replace("{TRACKER}", tracker.origin))}),
    }
    yield sites
    for site in sites.values():
        site.stop()


def _run(runner: BrowserRunner, tmp_path: Path, site: Site, paths: list[str],
         rendered: bool = False) -> list:
    urls = [site.url(p) for p in paths]
    ctx = make_ctx(runner.browser, urls[0], urls, tmp_path, rendered=rendered,
                   page_timeout_ms=8000)
    return runner.run(emc.run(ctx))


def test_good_portal_sends_tracking(runner: BrowserRunner, tracker: Site,
                                    portals: dict[str, Site], tmp_path: Path) -> None:
    before = len(tracker.hits)
    found = _run(runner, tmp_path, portals["good"], ["/", "/tra-cuu"])
    values = {o.name: o.value for o in found}
    assert values == {"emc.snippet_pages": 1.0, "emc.site_id": True,
                      "emc.tracker_https": False,  # the local stand-in serves plain HTTP
                      "emc.script_loaded": True, "emc.tracking_request": True}, found
    hits = tracker.hits[before:]
    assert any(h.startswith("/tracking?idsite=227") for h in hits)
    assert "idsite=227" in one(found, "emc.tracking_request").detail


def test_home_only_portal(runner: BrowserRunner, portals: dict[str, Site],
                          tmp_path: Path) -> None:
    found = _run(runner, tmp_path, portals["home_only"], ["/", "/tra-cuu"])
    assert one(found, "emc.snippet_pages").value == 0.5
    assert one(found, "emc.tracking_request").value is True


def test_commented_out_portal(runner: BrowserRunner, tracker: Site, portals: dict[str, Site],
                              tmp_path: Path) -> None:
    before = len(tracker.hits)
    found = _run(runner, tmp_path, portals["commented"], ["/"])
    values = {o.name: o.value for o in found}
    assert values == {"emc.snippet_pages": 0.0, "emc.site_id": False,
                      "emc.tracker_https": False, "emc.script_loaded": False,
                      "emc.tracking_request": False}
    assert "commented out" in one(found, "emc.snippet_pages").detail
    assert tracker.hits[before:] == []


def test_single_page_app_snippet_is_read_from_the_rendered_dom(
        runner: BrowserRunner, portals: dict[str, Site], tmp_path: Path) -> None:
    found = _run(runner, tmp_path, portals["spa"], ["/", "/vi/dossier"], rendered=True)
    values = {o.name: o.value for o in found}
    assert values["emc.snippet_pages"] == 1.0
    assert values["emc.site_id"] is True and "88" in one(found, "emc.site_id").detail
    assert values["emc.script_loaded"] is True and values["emc.tracking_request"] is True


def test_unreachable_portal(runner: BrowserRunner, tmp_path: Path) -> None:
    ctx = make_ctx(runner.browser, "http://127.0.0.1:9/", ["http://127.0.0.1:9/"], tmp_path)
    found = runner.run(emc.run(ctx))
    assert [o.name for o in found] == list(emc.NAMES)
    assert {o.outcome for o in found} == {"portal_error"}
