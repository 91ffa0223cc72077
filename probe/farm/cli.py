"""Serving the farm in the foreground: `python -m probe.farm` and `probe farm`."""

from __future__ import annotations

import argparse
import shlex
import threading
from pathlib import Path

from probe import registry
from probe.farm.farm import Farm, start_farm
from probe.farm.faults import FAULTS, FaultFarm
from probe.farm.faults_net import bundle


def describe(farm: Farm, registry_path: Path) -> str:
    """A plain-text table of the farm's agencies, URLs, expected grades and stand-ins."""
    lines = [f"{'id':<20} {'khối':<9} {'hạng':<5} {'portal_url':<28} {'http_url':<28} tên"]
    for agency in farm.agencies:
        grade = farm.expected_grades[agency.id]
        status = farm.expected_status[agency.id]
        grade = grade if status == "completed" else f"{grade}*"
        lines.append(f"{agency.id:<20} {agency.block:<9} {grade:<5} {agency.portal_url:<28} "
                     f"{agency.http_url:<28} {agency.name} ({agency.vendor})")
    lines += [
        "* expected status other than 'completed' (http_error)",
        f"Cổng DVC quốc gia (national portal): {farm.national_portal_origin}"
        "/p/home/dvc-trang-chu.html",
        f"SSO (VNeID):     {farm.sso_origin}",
        f"Thanh toán:      {farm.payment_origin}",
        f"EMC tracker:     {farm.emc_origin}",
        f"Danh bạ cổng (portal directory): {farm.directory_url}",
        "Trang chủ cơ quan (agency home pages, for `probe find`):",
        *[f"  {home_id:<22} {url}" for home_id, url in
          {**farm.home_urls, **farm.extra_home_urls}.items()],
        f"CA (--ca-file):  {farm.ca_file}",
        f"Registry:        {registry_path}",
        "Để probe nhận ra các cổng quốc gia giả lập (so the probe knows the stand-ins):",
        *[f"  export {line}" for line in env_lines(farm)],
        f"  probe sweep --registry {registry_path} --ca-file {farm.ca_file} --allow-private",
        f"  probe discover --registry {registry_path} --ca-file {farm.ca_file} --allow-private",
        _check_example(farm),
    ]
    return "\n".join(lines)


def _check_example(farm: Farm) -> str:
    """A `probe check` of the first portal that is judged as a sweep would judge it: its
    plain-HTTP entry is on a port of its own (a sweep reads it from the registry)."""
    agency = farm.agencies[0]
    return (f"  probe check {agency.portal_url} --name {shlex.quote(agency.name)} --http-url "
            f"{agency.http_url} --ca-file {farm.ca_file} --allow-private")


def env_lines(farm: Farm) -> list[str]:
    """PROBE_NATIONAL_*_HOSTS assignments naming the farm's national stand-ins."""
    overrides = farm.settings_overrides()
    return [f"PROBE_NATIONAL_PORTAL_HOSTS={','.join(overrides['national_portal_hosts'])}",
            f"PROBE_NATIONAL_SSO_HOSTS={','.join(overrides['national_sso_hosts'])}"]


def describe_faults(faults: FaultFarm, registry_path: Path, ca_path: str) -> str:
    """The fault portals, each with its fault and the status the probe must give it."""
    by_id = {fault.id: fault for fault in FAULTS}
    lines = ["Cổng lỗi (fault farm): trạng thái dự kiến (expected status)",
             f"{'id':<16} {'trạng thái':<19} {'portal_url':<44} lỗi (fault)"]
    lines += [f"{a.id:<16} {faults.expected_status[a.id]:<19} {a.portal_url:<44} "
              f"{by_id[a.id].fault_vi} ({by_id[a.id].fault_en})" for a in faults.agencies]
    lines += [f"Registry (farm + faults): {registry_path}",
              f"CA bundle (--ca-file):    {ca_path}",
              f"  probe sweep --registry {registry_path} --ca-file {ca_path} --allow-private"]
    return "\n".join(lines)


def _wait_for_ctrl_c() -> None:
    try:  # a Ctrl-C right after the prompt is caught too
        print("Nhấn Ctrl-C để dừng (press Ctrl-C to stop).", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("Đang dừng trang trại (stopping the farm).", flush=True)


def serve_forever(workdir: Path, latency_scale: float = 1.0, faults: bool = False) -> None:
    """Start the farm (with `faults`, the fault farm beside it), print its registry and CA
    path, serve until Ctrl-C."""
    with start_farm(Path(workdir), latency_scale) as farm:
        registry_path = farm.write_registry(Path(workdir) / "registry.csv")
        print(describe(farm, registry_path), flush=True)
        if not faults:
            _wait_for_ctrl_c()
            return
        with FaultFarm(Path(workdir) / "faults") as broken:
            both = registry.write(Path(workdir) / "registry-with-faults.csv",
                                  [*farm.agencies, *broken.agencies])
            ca_path = bundle([farm.ca_file, broken.ca_file], Path(workdir) / "ca-bundle.pem")
            print(describe_faults(broken, both, ca_path), flush=True)
            _wait_for_ctrl_c()


def main(argv: list[str] | None = None) -> None:
    """`python -m probe.farm [--workdir DIR] [--latency-scale X]`."""
    parser = argparse.ArgumentParser(prog="python -m probe.farm",
                                     description="Serve the dvc-probe portal farm on loopback.")
    parser.add_argument("--workdir", type=Path, default=Path("farm-work"))
    parser.add_argument("--latency-scale", type=float, default=1.0)
    parser.add_argument("--faults", action="store_true",
                        help="serve the fault farm too (README: the fault farm)")
    args = parser.parse_args(argv)
    serve_forever(args.workdir, args.latency_scale, args.faults)
