"""HAR redaction, the WACZ built from a HAR, auditor bundles (export, import, re-score) and
the evidence commands, without a browser."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from probe.audit.bundle import BundleError, export, import_bundle
from probe.audit.digests import sha256_bytes
from probe.audit.har import REDACTED, load_har, redact_har, redact_url
from probe.audit.verify import verify
from probe.audit.wacz import surt, write_wacz
from probe.cli_evidence import register
from probe.db.store import Store, score_columns
from probe.scoring import load_rubric, score
from tests.audit_helpers import ORIGIN, SECRET, secret_har, seeded_store


def test_redaction_removes_every_secret_and_keeps_the_rest() -> None:
    har = redact_har(secret_har())
    text = json.dumps(har)
    assert SECRET not in text
    home, api, moved, logo, _ = har["log"]["entries"]
    headers = {h["name"]: h["value"] for h in home["request"]["headers"]}
    assert headers["Authorization"] == headers["Cookie"] == headers["X-CSRF-Token"] == REDACTED
    assert headers["Accept"] == "text/html"
    assert home["request"]["cookies"] == [{"name": "SESSION", "value": REDACTED}]
    assert home["response"]["cookies"][0] == {"name": "SESSION", "value": REDACTED,
                                              "secure": True}
    assert 'name=\'q\' value=\'khai sinh\'' in home["response"]["content"]["text"]
    assert "lang=vi" in api["request"]["url"] and json.loads(
        api["response"]["content"]["text"])["items"] == [1, 2]
    assert moved["response"]["redirectURL"].endswith(f"ticket={REDACTED}".replace(
        "[", "%5B").replace("]", "%5D")) or REDACTED in moved["response"]["redirectURL"]
    assert logo["response"]["content"]["encoding"] == "base64"  # binary bodies untouched
    assert "redacted" in har["log"]["comment"]


def test_redact_url_keeps_harmless_queries_byte_for_byte() -> None:
    assert redact_url(f"{ORIGIN}/tim-kiem?q=khai%20sinh&page=2") == \
        f"{ORIGIN}/tim-kiem?q=khai%20sinh&page=2"
    assert SECRET not in redact_url(f"{ORIGIN}/?sid={SECRET}&a=1")


def test_wacz_holds_every_answered_request_and_an_index_that_points_at_it() -> None:
    buffer = io.BytesIO()
    summary = write_wacz(redact_har(secret_har()), buffer, "Tỉnh A", "dvc-probe test")
    archive = zipfile.ZipFile(buffer)
    assert set(archive.namelist()) == {"archive/data.warc.gz", "indexes/index.cdx",
                                       "pages/pages.jsonl", "datapackage.json",
                                       "datapackage-digest.json"}
    assert archive.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
    package = json.loads(archive.read("datapackage.json"))
    assert package["wacz_version"] == "1.1.1"
    for resource in package["resources"]:
        assert resource["hash"] == "sha256:" + sha256_bytes(archive.read(resource["path"]))
    digest = json.loads(archive.read("datapackage-digest.json"))
    assert digest["hash"] == "sha256:" + sha256_bytes(archive.read("datapackage.json"))
    warc = archive.read("archive/data.warc.gz")
    records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
               for r in ArchiveIterator(io.BytesIO(warc))]
    assert [t for t, _ in records].count("response") == 4  # the aborted request is left out
    assert [t for t, _ in records].count("request") == 4
    for line in archive.read("indexes/index.cdx").decode().splitlines():
        key, stamp, block = line.split(" ", 2)
        entry = json.loads(block)
        assert key == surt(entry["url"]) and stamp == "20260301020304"
        chunk = warc[int(entry["offset"]):int(entry["offset"]) + int(entry["length"])]
        record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
        if entry["url"] == f"{ORIGIN}/":
            body = record.content_stream().read().decode()
            assert "Cổng dịch vụ công" in body and SECRET not in body
            assert record.http_headers.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    pages = archive.read("pages/pages.jsonl").decode().splitlines()
    assert json.loads(pages[0])["format"] == "json-pages-1.0"
    assert [p["url"] for p in summary.pages] == [f"{ORIGIN}/", f"{ORIGIN}/dang-nhap"]
    assert summary.pages[0]["title"] == "Cổng dịch vụ công Tỉnh A"


def test_surt_keys_like_web_archives() -> None:
    assert surt("https://www.Dvc.Hanoi.gov.vn/Thu-Tuc?b=2&a=1") == \
        "vn,gov,hanoi,dvc)/thu-tuc?a=1&b=2"
    assert surt("https://127.0.0.1:8443/") == "1,0,0,127:8443)/"


@pytest.fixture()
def exported(tmp_path: Path) -> tuple[Store, Path, Path]:
    store, root, _ = seeded_store(tmp_path / "source")
    bundle = tmp_path / "bundle.zip"
    export(store, "r-test-1", bundle, root)
    return store, root, bundle


def test_a_bundle_imports_verifies_and_rescores_identically(exported, tmp_path: Path) -> None:
    store, _root, bundle = exported
    names = set(zipfile.ZipFile(bundle).namelist())
    assert {"bundle.json", "manifest.json", "observations.json", "scores.json", "run.json",
            "sitemap.json", "pages.wacz", "README.txt"} <= names
    assert len([n for n in names if n.startswith("evidence/")]) == 5
    target = tmp_path / "auditor"
    target.mkdir()
    other = Store(f"sqlite:///{target / 'results.db'}")
    summary = import_bundle(other, bundle, target / "evidence")
    assert (summary.run_id, summary.observations, summary.artifacts) == ("r-test-1", 12, 5)
    report = verify(other, root=target / "evidence")
    assert report.ok and {f.kind for f in report.findings} == {"chain_external"}
    rescored = score(other.observations("r-test-1"), load_rubric("2024"))
    original = store.score("r-test-1", "2024")
    assert score_columns(rescored) == score_columns(score(store.observations("r-test-1"),
                                                          load_rubric("2024")))
    assert (rescored.total, rescored.grade) == (original["total"], original["grade"])
    assert other.score("r-test-1", "2024") == original
    with pytest.raises(BundleError, match="already stored"):
        import_bundle(other, bundle, target / "evidence")


def _rewrite(bundle: Path, target: Path, name: str, change) -> None:
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info.filename)
            out.writestr(info.filename, change(data) if info.filename == name else data)


def test_a_tampered_bundle_is_refused(exported, tmp_path: Path) -> None:
    _store, _root, bundle = exported
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    flipped = tmp_path / "flipped.zip"
    _rewrite(bundle, flipped, "observations.json", lambda d: d.replace(b"TLSv1.3", b"TLSv1.2", 1))
    with pytest.raises(BundleError, match="observations.json"):
        import_bundle(other, flipped, tmp_path / "ev")

    def consistent(data: bytes) -> bytes:  # edit a row and fix bundle.json's hash too
        document = json.loads(data)
        rows = json.loads(zipfile.ZipFile(bundle).read("observations.json"))
        rows[3]["value"] = 0.5
        edited = (json.dumps(rows, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
        document["files"]["observations.json"] = sha256_bytes(edited.encode())
        return json.dumps(document).encode()

    forged = tmp_path / "forged.zip"
    _rewrite(bundle, forged, "bundle.json", consistent)
    with pytest.raises(BundleError):
        import_bundle(other, forged, tmp_path / "ev")
    assert other.runs() == [] and not (tmp_path / "ev" / "r-test-1").exists()


def test_export_refuses_a_run_that_does_not_verify(tmp_path: Path) -> None:
    store, root, runs = seeded_store(tmp_path, runs=1)
    path = root / runs[0].artifacts[0]
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(BundleError, match="does not verify"):
        export(store, runs[0].run_id, tmp_path / "b.zip", root)


def test_stored_har_is_gzip_json_without_secrets(tmp_path: Path) -> None:
    _store, root, runs = seeded_store(tmp_path, runs=1)
    data = (root / runs[0].artifacts[4]).read_bytes()
    assert data[:2] == b"\x1f\x8b" and SECRET.encode() not in gzip.decompress(data)
    assert load_har(data)["log"]["entries"]


# --- the commands -------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer(add_completion=False)
    register(app)
    return app


def test_commands_verify_export_import_and_prune(tmp_path: Path) -> None:
    _store, root, runs = seeded_store(tmp_path / "src")
    db = f"sqlite:///{tmp_path / 'src' / 'results.db'}"
    runner = CliRunner()
    result = runner.invoke(_app(), ["verify", "--db", db])
    assert result.exit_code == 0 and "Toàn vẹn" in result.output and "(verified)" in result.output
    document = json.loads(runner.invoke(_app(), ["verify", "--all", "--json", "--db", db]).output)
    assert document["ok"] and document["runs"] == 3
    bundle = tmp_path / "b.zip"
    result = runner.invoke(_app(), ["export", "r-test-0", "--out", str(bundle), "--db", db])
    assert result.exit_code == 0 and bundle.is_file(), result.output
    (tmp_path / "dst").mkdir()
    other = f"sqlite:///{tmp_path / 'dst' / 'results.db'}"
    result = runner.invoke(_app(), ["import", str(bundle), "--db", other])
    assert result.exit_code == 0 and "r-test-0" in result.output, result.output
    assert runner.invoke(_app(), ["verify", "r-test-0", "--db", other]).exit_code == 0
    (root / runs[2].artifacts[1]).write_bytes(b"{}")
    result = runner.invoke(_app(), ["verify", "--sweep", "s-test", "--db", db])
    assert result.exit_code == 1 and "artifact altered" in result.output
    assert runs[2].artifacts[1] in result.output
    result = runner.invoke(_app(), ["prune", "--artifacts-older-than", "12w", "--dry-run",
                                    "--db", db])
    assert result.exit_code == 0 and "would remove" in result.output


@pytest.mark.parametrize(("args", "words"), [
    (["verify", "r-nope"], "no such run"),
    (["verify", "r-x", "--sweep", "s-x"], "give one of"),
    (["verify", "--sweep", "s-nope"], "no such sweep"),
    (["export", "r-nope", "--out", "x.zip"], "cannot export"),
    (["import", "missing.zip"], "bundle not found"),
    (["prune", "--artifacts-older-than", "soon"], "bad duration"),
    (["replay", "r-nope", "--family", "nope"], "unknown check family"),
])
def test_bad_input_is_one_clear_error(tmp_path: Path, args: list[str], words: str) -> None:
    from probe.errors import UserError

    db = f"sqlite:///{tmp_path / 'r.db'}"
    Store(db).close()
    result = CliRunner().invoke(_app(), [*args, "--db", db])
    assert isinstance(result.exception, UserError), result.output
    assert words in str(result.exception) and result.exception.exit_code == 2


def test_a_non_bundle_file_is_refused(tmp_path: Path) -> None:
    from probe.errors import UserError

    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = CliRunner().invoke(_app(), ["import", str(junk), "--db",
                                         f"sqlite:///{tmp_path / 'r.db'}"])
    assert isinstance(result.exception, UserError) and "bad bundle" in str(result.exception)


def test_a_bundle_carries_the_rubric_texts_that_made_its_scores(tmp_path: Path) -> None:
    from probe.rescoring import rescore
    from probe.scoring.rubric import rubrics_dir

    store, root, _ = seeded_store(tmp_path / "source")
    text = (rubrics_dir() / "2024.yaml").read_text(encoding="utf-8")
    draft = tmp_path / "criteria-2026.yaml"
    draft.write_text(text.replace('version: "2024"', 'version: "2026"', 1), encoding="utf-8")
    rubric = load_rubric(draft)
    rescore(store, rubric)
    bundle = tmp_path / "bundle.zip"
    export(store, "r-test-1", bundle, root)
    member = f"rubrics/{rubric.sha256}.yaml"
    assert zipfile.ZipFile(bundle).read(member).decode("utf-8") == rubric.text
    draft.unlink()  # the auditor never had the file
    target = tmp_path / "auditor"
    target.mkdir()
    other = Store(f"sqlite:///{target / 'results.db'}")
    assert "2026" in import_bundle(other, bundle, target / "evidence").scores
    assert other.rubric_text(rubric.sha256) == rubric.text
    report = verify(other, root=target / "evidence")
    assert report.ok and {f.kind for f in report.findings} == {"chain_external",
                                                               "score_unsealed"}


def test_an_imported_bundle_is_ranked_as_measured_not_as_a_published_table(
        exported, tmp_path: Path) -> None:
    from probe.cli import app

    _, _, bundle = exported
    target = tmp_path / "auditor"
    target.mkdir()
    db = f"sqlite:///{target / 'results.db'}"
    import_bundle(Store(db), bundle, target / "evidence")
    ranked = CliRunner().invoke(app, ["rank", "--format", "json", "--db", db])
    rows = [r for block in json.loads(ranked.output)["blocks"] for r in block["rows"]]
    assert [(r["run_id"], r["rank"]) for r in rows] == [("r-test-1", 1)]  # was: no rows
    diffed = CliRunner().invoke(app, ["diff", "s-test", "s-test", "--json", "--db", db])
    assert json.loads(diffed.output)["compared"] == 1


def test_a_bundle_replays_with_the_settings_its_sweep_judged_with(tmp_path: Path) -> None:
    from probe.audit.replay import as_swept
    from probe.context import ProbeSettings
    from probe.db.schema import SweepRow
    from probe.sweep import SweepOptions

    store, root, _ = seeded_store(tmp_path / "source")
    swept = ProbeSettings(national_sso_hosts=("sso.tinh-thu.gov.vn",), sample_pages=2)
    with store.session.begin() as session:
        session.get(SweepRow, "s-test").options_json = SweepOptions(settings=swept).to_json()
    bundle = tmp_path / "bundle.zip"
    export(store, "r-test-1", bundle, root)
    target = tmp_path / "auditor"
    target.mkdir()
    other = Store(f"sqlite:///{target / 'results.db'}")
    import_bundle(other, bundle, target / "evidence")
    replayed = as_swept(other, "s-test", ProbeSettings())  # the auditor's own environment
    assert (replayed.national_sso_hosts, replayed.sample_pages) == (("sso.tinh-thu.gov.vn",), 2)
