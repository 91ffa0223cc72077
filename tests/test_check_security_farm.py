"""checks.security against the portal farm: each profile shows what profiles.py says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import security
from tests.fixtures.checks_psae.farm_kit import FarmKit, values

pytestmark = pytest.mark.slow
PROFILES = ("tinh-binh-minh", "bo-kinh-te-bien", "thanh-pho-hai-dang", "tinh-son-cuoc",
            "tinh-lam-giang", "tinh-phu-an")


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FarmKit]:
    farm_kit = FarmKit(Path(tmp_path_factory.mktemp("farm")))
    yield farm_kit
    farm_kit.stop()


@pytest.fixture(scope="module")
def found(kit: FarmKit) -> dict[str, dict]:
    results = kit.run(security.run, PROFILES, concurrent=True)
    for agency_id, rows in results.items():
        not_ok = {o.name for o in rows if o.outcome != "ok"}
        # a plain-HTTP portal cannot meet the TLS-only facts: counted against it
        allowed = {"tls.legacy_accepted", "tls.weak_ciphers_accepted", "mixed_content.count"} \
            if agency_id == "tinh-son-cuoc" else set()
        assert not_ok == allowed, agency_id
    return {agency_id: values(rows) for agency_id, rows in results.items()}


def test_exemplary_portal_is_secure(found: dict[str, dict]) -> None:
    assert found["tinh-binh-minh"] == {
        "https.used": True, "tls.cert_valid": True,
        "tls.cert_days_left": found["tinh-binh-minh"]["tls.cert_days_left"],
        "tls.version": "TLSv1.3", "tls.legacy_accepted": False,
        "tls.weak_ciphers_accepted": False, "http.redirects_https": True,
        "hsts": True, "headers.security": 1.0, "cookies.flags_ok": True,
        "mixed_content.count": 0, "injected.count": 0}
    assert found["tinh-binh-minh"]["tls.cert_days_left"] > 30


def test_ministry_without_hsts_headers_or_cookie_flags(found: dict[str, dict]) -> None:
    seen = found["bo-kinh-te-bien"]
    assert seen["https.used"] and seen["http.redirects_https"]
    assert seen["hsts"] is False
    assert seen["headers.security"] == 0
    assert seen["cookies.flags_ok"] is False


def test_city_with_x_frame_options_only(found: dict[str, dict]) -> None:
    seen = found["thanh-pho-hai-dang"]
    assert seen["headers.security"] == pytest.approx(1 / 3, abs=1e-3)
    assert seen["hsts"] is True and seen["cookies.flags_ok"] is True


def test_poor_portal_plain_http_with_spam(found: dict[str, dict]) -> None:
    seen = found["tinh-son-cuoc"]
    assert seen["https.used"] is False and seen["tls.cert_valid"] is False
    assert seen["http.redirects_https"] is False and seen["hsts"] is False
    assert seen["headers.security"] == 0 and seen["cookies.flags_ok"] is False
    assert seen["mixed_content.count"] is None
    assert seen["injected.count"] >= 3  # hidden casino/nhà cái links and their words


def test_spa_without_hsts_or_headers(found: dict[str, dict]) -> None:
    seen = found["tinh-lam-giang"]
    assert seen["https.used"] and seen["http.redirects_https"]
    assert seen["hsts"] is False and seen["headers.security"] == 0
    assert seen["injected.count"] == 0


def test_handover_is_judged_on_the_national_portal(found: dict[str, dict]) -> None:
    seen = found["tinh-phu-an"]
    # the national stand-in lacks CSP and Referrer-Policy and cookie flags
    assert seen["headers.security"] == pytest.approx(2 / 3, abs=1e-3)
    assert seen["cookies.flags_ok"] is False
    assert seen["injected.count"] == 0  # the national portal is not a foreign host


def test_broken_portal_is_a_portal_error(kit: FarmKit) -> None:
    rows = kit.run(security.run, ["bo-ha-tang-so"], page_timeout_ms=3000)["bo-ha-tang-so"]
    assert {o.outcome for o in rows} == {"portal_error"} and len(rows) == len(security.NAMES)
    assert "500" in rows[0].detail
