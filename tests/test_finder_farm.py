"""The portal finder on the farm's agency home pages and national directory (one farm)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from probe import commands_discovery
from probe.context import ProbeSettings
from probe.farm import Farm, start_farm
from probe.finder import (
    FinderResult,
    find_from_directory,
    find_many,
)

pytestmark = pytest.mark.slow
SCALE = 0.25
TIMEOUT_MS = 4000  # the broken ministry's robots.txt hangs: this bounds the test


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    with start_farm(tmp_path_factory.mktemp("farm"), latency_scale=SCALE) as running:
        yield running


@pytest.fixture(scope="module")
def settings(farm: Farm) -> ProbeSettings:
    return ProbeSettings(ca_file=farm.ca_file, allow_private=True, loopback_only=True,
                         page_timeout_ms=TIMEOUT_MS, **farm.settings_overrides())


@pytest.fixture(scope="module")
def found(farm: Farm, settings: ProbeSettings) -> dict[str, FinderResult]:
    homes = {**farm.home_urls, **farm.extra_home_urls}
    results = find_many(homes.values(), settings, parallel=len(homes))
    return {home_id: results[url] for home_id, url in homes.items()}


def test_agencies_have_their_own_home_sites(farm: Farm) -> None:
    for agency in farm.agencies:
        assert agency.home_url == farm.home_urls[agency.id]
        assert urlsplit(agency.home_url).netloc != urlsplit(agency.portal_url).netloc
    assert set(farm.expected_find_states) == set(farm.home_urls) | set(farm.extra_home_urls)


def test_every_home_page_leads_where_the_farm_says(
        farm: Farm, found: dict[str, FinderResult]) -> None:
    got = {i: (r.state, r.portal_url or "") for i, r in found.items()}
    want = {i: (farm.expected_find_states[i], farm.expected_find_urls[i]) for i in found}
    assert got == want
    assert {r.state for r in found.values()} == {
        "found", "handover", "not_found", "portal_unreachable", "robots_disallowed"}


def test_the_evidence_names_the_link_and_the_patterns(found: dict[str, FinderResult]) -> None:
    banner, redirect = found["bo-kinh-te-bien"], found["thanh-pho-hai-dang"]
    assert banner.link_text == "Cổng Dịch vụ công Bộ Kinh tế Biển"  # an image's alt
    assert "path /portaldvc" in banner.patterns
    assert redirect.link_text == "Thủ tục hành chính"
    assert "path /web/guest/dich-vu-cong" in redirect.patterns
    assert redirect.redirects[0].endswith("/web/guest/dich-vu-cong")
    assert len(redirect.redirects) == 2 and redirect.redirects[1] == redirect.portal_url
    assert found["tinh-lam-giang"].link_text.startswith("Cổng Dịch vụ công")  # a title
    assert found["tinh-binh-minh"].candidates[0]["national"]  # its banner, not chosen


def test_a_hand_over_is_its_own_state(farm: Farm, found: dict[str, FinderResult]) -> None:
    result = found["tinh-phu-an"]
    agency = next(a for a in farm.agencies if a.id == "tinh-phu-an")
    assert (result.state, result.link_url) == ("handover", agency.portal_url)
    assert result.redirects == [agency.portal_url, result.portal_url]
    assert result.found and result.status == "completed"


def test_not_found_and_unreachable_say_why(found: dict[str, FinderResult]) -> None:
    missing, broken = found["so-van-hoa-binh-minh"], found["bo-ha-tang-so"]
    assert (missing.link_url, missing.status) == (None, "completed")
    assert "no link" in missing.detail and not missing.found
    assert broken.status == "timeout" and "robots.txt" in broken.detail
    assert broken.link_text == "Cổng dịch vụ công"


def test_robots_txt_is_respected(farm: Farm, found: dict[str, FinderResult]) -> None:
    assert found["tinh-kin-dao"].state == "robots_disallowed"
    assert [path for _, path in farm.home_request_log("tinh-kin-dao")] == ["/robots.txt"]
    paths = [path for _, path in farm.request_log("bo-ha-tang-so")]
    assert "/" not in paths  # its robots.txt never answered: nothing else was asked
    assert all(p.startswith("/robots.txt") or p == "/" for _, p in
               farm.home_request_log("tinh-binh-minh"))
    assert farm.posts("tinh-binh-minh") == []


def test_the_national_directory_lists_every_agency(farm: Farm, settings: ProbeSettings) -> None:
    entries = find_from_directory(farm.directory_url, settings)
    assert entries == {a.name: a.portal_url for a in farm.agencies}


def test_the_find_command_prints_json_and_exits_by_state(
        farm: Farm, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    hosts = farm.settings_overrides()["national_portal_hosts"]
    monkeypatch.setenv("PROBE_NATIONAL_PORTAL_HOSTS", ",".join(hosts))
    home = farm.home_urls["tinh-phu-an"]
    assert commands_discovery.find(home, farm.ca_file, True, as_json=True) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["state"] == "handover" and document["link_text"]
    none = farm.extra_home_urls["so-van-hoa-binh-minh"]
    assert commands_discovery.find(none, farm.ca_file, True, as_json=False) == 1
    assert "Không thấy liên kết" in capsys.readouterr().out
    assert commands_discovery.find(farm.directory_url, farm.ca_file, True, as_json=True,
                                   directory=True) == 0
    assert len(json.loads(capsys.readouterr().out)["portals"]) == len(farm.agencies)


def test_bad_input_is_a_user_error(tmp_path: Path) -> None:
    from probe.errors import UserError

    with pytest.raises(UserError):
        commands_discovery.find("not a url", None, True, as_json=True)
    with pytest.raises(UserError):
        commands_discovery.find("https://127.0.0.1:9/", None, False, as_json=True)
    with pytest.raises(UserError):
        commands_discovery.find("https://127.0.0.1:9/", str(tmp_path / "no-ca.pem"), True, True)
