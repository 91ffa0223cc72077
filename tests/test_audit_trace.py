"""probe.audit.trace: stored traces carry no cookies, tokens or hidden-input values."""

from __future__ import annotations

import io
import json
import zipfile

from probe.audit.har import REDACTED
from probe.audit.trace import redact_trace

PAGE = ('<form><input type="hidden" name="__RequestVerificationToken" value="csrf-123">'
        '<input name="q" value="khai sinh"></form>')


def _trace_zip() -> bytes:
    network = {"type": "resource-snapshot", "snapshot": {
        "request": {"method": "GET", "url": "https://dvc.example.vn/tra-cuu?token=abc&ma=1",
                    "headers": [{"name": "Cookie", "value": "JSESSIONID=s3cr3t"},
                                {"name": "Authorization", "value": "Bearer xyz"},
                                {"name": "Accept", "value": "text/html"}],
                    "cookies": [{"name": "JSESSIONID", "value": "s3cr3t"}], "queryString": []},
        "response": {"headers": [{"name": "Set-Cookie", "value": "JSESSIONID=s3cr3t; Path=/"}],
                     "cookies": [], "content": {"mimeType": "text/html",
                                                 "_file": "resources/page.html"}}}}
    snapshot = {"type": "frame-snapshot", "snapshot": {"html": [
        "HTML", {}, ["BODY", {}, ["INPUT", {"type": "hidden", "name": "__VIEWSTATE",
                                            "value": "state-456"}],
                     ["INPUT", {"name": "q", "value": "khai sinh"}]]]}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("trace.network", json.dumps(network) + "\n")
        archive.writestr("trace.trace", json.dumps(snapshot) + "\n")
        archive.writestr("resources/page.html", PAGE)
        archive.writestr("resources/logo.png", b"\x89PNG\r\n")
    return out.getvalue()


def test_secrets_are_redacted_and_the_rest_kept() -> None:
    stored = redact_trace(_trace_zip())
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist()).decode("utf-8", "replace")
        logo = archive.read("resources/logo.png")
    for secret in ("s3cr3t", "xyz", "abc", "csrf-123", "state-456"):
        assert secret not in text, secret
    assert REDACTED in text or "%5BREDACTED%5D" in text
    assert text.count("khai sinh") >= 2 and "text/html" in text and "ma=1" in text
    assert logo == b"\x89PNG\r\n"


def test_redaction_is_deterministic() -> None:
    assert redact_trace(_trace_zip()) == redact_trace(redact_trace(_trace_zip()))


def test_a_trace_becomes_a_har_with_bodies_inlined() -> None:
    import base64

    from probe.audit.trace import har_from_trace

    har = har_from_trace(redact_trace(_trace_zip()))
    [entry] = har["log"]["entries"]
    assert entry["request"]["method"] == "GET" and "ma=1" in entry["request"]["url"]
    content = entry["response"]["content"]
    assert content["encoding"] == "base64" and "_file" not in content
    body = base64.b64decode(content["text"]).decode("utf-8")
    assert "khai sinh" in body and "csrf-123" not in body


def _scripts_trace() -> bytes:
    """A trace as Playwright writes it for a single-page app: its scripts without bodies."""
    def answer(url: str, status: int, content: dict) -> str:
        return json.dumps({"type": "resource-snapshot", "snapshot": {
            "request": {"method": "GET", "url": url, "headers": []},
            "response": {"status": status, "headers": [],
                         "content": {"mimeType": "text/javascript", **content}}}})
    lines = [answer("https://dvc.example.vn/app.js", 200, {"size": -1}),
             answer("https://dvc.example.vn/app.js", 200, {"size": -1}),  # loaded again
             answer("https://dvc.example.vn/kept.js", 200, {"_file": "resources/kept.js"}),
             answer("https://dvc.example.vn/gone.js", 404, {"size": -1})]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("trace.network", "\n".join(lines) + "\n")
        archive.writestr("resources/kept.js", "kept();")
    return out.getvalue()


def test_the_scripts_read_beside_the_trace_are_stored_in_it_for_replay() -> None:
    import base64

    from probe.audit.trace import har_from_trace

    scripts = {"https://dvc.example.vn/app.js": b"render();",
               "https://dvc.example.vn/kept.js": b"other();",
               "https://dvc.example.vn/gone.js": b"never();"}
    stored = redact_trace(_scripts_trace(), scripts)
    bodies = [base64.b64decode(e["response"]["content"].get("text", ""))
              for e in har_from_trace(stored)["log"]["entries"]]
    # both answers of app.js get its body; kept.js keeps its own; a 404 gets none
    assert bodies == [b"render();", b"render();", b"kept();", b""]
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        assert sum(n.endswith(".js") for n in archive.namelist()) == 2  # stored once
    assert redact_trace(stored) == stored
    assert redact_trace(_scripts_trace()) != stored  # without the bodies, nothing to replay


def test_a_traced_page_keeps_its_scripts_up_to_the_limit(tmp_path) -> None:
    """Real Chromium: the scripts a traced page loads are stored in its trace, each once,
    until their bytes reach the trace's limit; the rest are left out."""
    import base64

    from probe.audit.trace import Trace, har_from_trace, start_trace, stop_trace
    from probe.evidence import EvidenceStore
    from tests.fixtures.checks_psae.harness import BrowserRunner, Reply, Site

    scripts = {f"/s{n}.js": f"window.s{n} = '{str(n) * 300_000}';" for n in range(3)}
    tags = "".join(f'<script src="{path}"></script>' for path in [*scripts, "/s0.js"])
    site = Site({"/": Reply(f"<html><body>{tags}</body></html>"),
                 **{path: Reply(body, content_type="text/javascript")
                    for path, body in scripts.items()}})
    runner = BrowserRunner()

    async def traced() -> tuple[Trace, str | None]:
        context = await runner.browser.new_context()
        trace = await start_trace(context)
        assert trace is not None
        trace.limit = 700_000  # two of the three scripts
        page = await context.new_page()
        await page.goto(site.url("/"), wait_until="load")
        stored = await stop_trace(trace, EvidenceStore(tmp_path, "r1"))
        await context.close()
        return trace, stored

    try:
        trace, stored = runner.run(traced())
    finally:
        runner.stop()
        site.stop()
    assert stored is not None and len(trace.scripts) == 2 and trace.kept <= trace.limit
    entries = har_from_trace((tmp_path / stored).read_bytes())["log"]["entries"]
    bodies = {e["request"]["url"].rsplit("/", 1)[1]: base64.b64decode(
        e["response"]["content"].get("text", "")).decode() for e in entries
        if e["request"]["url"].endswith(".js")}
    kept = {name: body for name, body in bodies.items() if body}
    assert len(kept) == 2 and all(body == scripts[f"/{name}"] for name, body in kept.items())


def test_an_older_trace_replays_with_the_script_bodies_of_the_pages_har() -> None:
    """A trace stored before scripts were kept: its bodiless answers get the bodies the
    run's pages' HAR recorded for the same URLs (a failed answer or another URL none)."""
    import base64

    from probe.audit.trace import har_from_trace, with_bodies_from

    def recorded(url: str, text: str, **extra: str) -> dict:
        return {"request": {"method": "GET", "url": url},
                "response": {"status": 200, "content": {"text": text, **extra}}}

    pages = {"log": {"entries": [
        recorded("https://dvc.example.vn/app.js", "render();"),
        recorded("https://dvc.example.vn/kept.js", base64.b64encode(b"pages();").decode(),
                 encoding="base64"),
        recorded("https://dvc.example.vn/gone.js", "never();")]}}
    har = with_bodies_from(har_from_trace(redact_trace(_scripts_trace())), pages)
    contents = [e["response"]["content"] for e in har["log"]["entries"]]
    bodies = [base64.b64decode(c["text"]) if c.get("encoding") == "base64"
              else c.get("text", "").encode() for c in contents]
    # both app.js answers filled; kept.js keeps the trace's own body; the 404 stays empty
    assert bodies == [b"render();", b"render();", b"kept();", b""]
