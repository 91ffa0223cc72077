"""The fault farm: one fictional agency per hostile or broken portal, on loopback.

Beside the portal farm (`probe.farm.farm`), each portal here fails in exactly one way a real
portal does (DNS, refused connections, resets, bad certificates, 5xx, slowness, redirect
loops, WAFs, rate limits, crawler traps, endless scripts, dialogs, downloads, pop-ups,
broken encodings, malformed or enormous pages). `expected_status` says what the probe must
record for each (`probe.status`); README's "Cổng lỗi / The fault farm" lists them.

    with FaultFarm(workdir) as faults:
        faults.write_registry(workdir / "faults.csv")   # probe with --ca-file faults.ca_file
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from probe import registry
from probe.farm.faults_apps import APPS, FaultSite
from probe.farm.faults_net import ClosedPort, FaultServer, create_fault_tls
from probe.farm.server import Request, Response, serve, shutdown_all
from probe.models import Agency

DNS_HOST = "dichvucong.tinh-suong-mu.invalid"  # .invalid never resolves (RFC 6761)
VALID_FROM = "2025-07-01"


@dataclass(frozen=True)
class Fault:
    """One fault portal: its agency, what is wrong (vi/en) and the status it must get."""

    id: str
    name: str
    name_en: str
    fault_vi: str
    fault_en: str
    status: str
    app: str = "plain"  # key of probe.farm.faults_apps.APPS; "dns"/"refused": no server
    tls: str = ""  # "", or a probe.farm.faults_net.TLS_KINDS certificate kind
    block: str = "province"


FAULTS: tuple[Fault, ...] = (
    Fault("tinh-suong-mu", "Tỉnh Sương Mù", "Suong Mu Province", "tên miền không phân giải",
          "DNS name does not resolve", "dns_error", app="dns"),
    Fault("tinh-thach-mon", "Tỉnh Thạch Môn", "Thach Mon Province", "cổng đóng, từ chối kết nối",
          "closed port, connection refused", "connection_refused", app="refused"),
    Fault("tinh-deo-ngang", "Tỉnh Đèo Ngang", "Deo Ngang Province",
          "kết nối bị ngắt giữa chừng (RST)", "connection reset in the middle of the answer",
          "http_error", app="reset"),
    Fault("tinh-kim-an", "Tỉnh Kim Ấn", "Kim An Province", "chứng thư tự ký",
          "self-signed certificate", "tls_error", tls="self_signed"),
    Fault("tinh-co-thanh", "Tỉnh Cổ Thành", "Co Thanh Province", "chứng thư hết hạn",
          "expired certificate", "tls_error", tls="expired"),
    Fault("tinh-lac-danh", "Tỉnh Lạc Danh", "Lac Danh Province", "chứng thư cấp cho tên khác",
          "certificate for another host name", "tls_error", tls="wrong_host"),
    Fault("bo-luu-tru-so", "Bộ Lưu trữ Số", "Ministry of Digital Archives", "lỗi HTTP 500",
          "HTTP 500", "http_error", app="error_500", block="ministry"),
    Fault("bo-bao-tri", "Bộ Bảo trì Công trình", "Ministry of Works Maintenance",
          "HTTP 503 kèm Retry-After", "HTTP 503 with Retry-After", "http_error",
          app="unavailable_503", block="ministry"),
    Fault("tinh-tri-hoan", "Tỉnh Trì Hoãn", "Tri Hoan Province",
          "byte đầu tiên chậm hơn thời gian chờ", "first byte slower than the time-out",
          "timeout", app="slow_first_byte"),
    Fault("tinh-giot-nuoc", "Tỉnh Giọt Nước", "Giot Nuoc Province", "nội dung nhỏ giọt 1 byte/giây",
          "body dripping one byte a second", "timeout", app="dripping"),
    Fault("tinh-vong-xoay", "Tỉnh Vòng Xoay", "Vong Xoay Province", "chuyển hướng vòng lặp",
          "redirect loop", "redirect_loop", app="redirect_loop"),
    Fault("tinh-vien-xu", "Tỉnh Viễn Xứ", "Vien Xu Province",
          "liên kết chuyển hướng ra ngoài phạm vi", "links redirecting to off-scope hosts",
          "completed", app="off_scope"),
    Fault("tinh-dai-khoi", "Tỉnh Đại Khối", "Dai Khoi Province", "một trang 50 MB",
          "a 50 MB page", "completed", app="huge_page"),
    Fault("tinh-van-lich", "Tỉnh Vạn Lịch", "Van Lich Province",
          "lịch vô tận và cuộn vô hạn", "endless calendar and infinite scroll", "completed",
          app="endless"),
    Fault("tinh-luan-hoi", "Tỉnh Luân Hồi", "Luan Hoi Province", "mã JavaScript lặp vô tận",
          "scripts that loop forever", "completed", app="looping"),
    Fault("tinh-hop-thoai", "Tỉnh Hộp Thoại", "Hop Thoai Province",
          "hộp thoại alert/confirm/prompt/beforeunload", "alert/confirm/prompt/beforeunload "
          "dialogs", "completed", app="dialogs"),
    Fault("tinh-tai-ve", "Tỉnh Tải Về", "Tai Ve Province", "tự động tải tệp xuống",
          "downloads started by pages", "completed", app="downloads"),
    Fault("tinh-cua-so", "Tỉnh Cửa Sổ", "Cua So Province", "mở cửa sổ bật lên",
          "pop-up windows", "completed", app="popups"),
    Fault("bo-thanh-tri", "Bộ Thành Trì", "Ministry of Ramparts",
          "tường lửa WAF: 403 kèm thử thách JavaScript", "WAF: 403 with a script challenge",
          "blocked", app="waf_challenge", block="ministry"),
    Fault("tinh-han-ngach", "Tỉnh Hạn Ngạch", "Han Ngach Province", "giới hạn tần suất 429",
          "rate limited (429)", "blocked", app="rate_limited"),
    Fault("tinh-co-tu", "Tỉnh Cổ Tự", "Co Tu Province", "mã hóa windows-1258",
          "windows-1258 encoding", "completed", app="windows_1258"),
    Fault("tinh-vo-chu", "Tỉnh Vỡ Chữ", "Vo Chu Province", "UTF-8 hỏng", "broken UTF-8",
          "completed", app="broken_utf8"),
    Fault("tinh-lon-xon", "Tỉnh Lộn Xộn", "Lon Xon Province", "HTML sai cấu trúc",
          "malformed HTML", "completed", app="malformed"),
    Fault("tinh-be-quan", "Tỉnh Bế Quan", "Be Quan Province", "robots.txt cấm tất cả",
          "robots.txt disallows everything", "blocked", app="robots_all"),
    Fault("tinh-rung-sau", "Tỉnh Rừng Sâu", "Rung Sau Province", "DOM 100.000 phần tử",
          "a 100,000-node DOM", "completed", app="big_dom"),
)


class _Trap:
    """An off-scope host the probe must never ask for anything: it logs what it is asked."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.log.append(request.target)
        return Response(200, "<h1>Ngoài phạm vi (off scope)</h1>".encode())


class FaultFarm:
    """Every fault portal on 127.0.0.1 (plus an off-scope trap host); a context manager."""

    ca_file: str
    agencies: list[Agency]
    faults: dict[str, Fault]
    sites: dict[str, FaultSite]
    expected_status: dict[str, str]
    trap_origin: str

    def __init__(self, workdir: Path, faults: tuple[Fault, ...] = FAULTS) -> None:
        self.workdir = Path(workdir)
        self._stop = threading.Event()
        self._servers: list[FaultServer] = []
        self._closed = ClosedPort()
        self._trap = _Trap()
        try:
            tls = create_fault_tls(self.workdir)
            self.ca_file = tls.ca_file
            trap = self._bind(None)
            trap.app = self._trap
            self.trap_origin = trap.origin
            self.faults = {f.id: f for f in faults}
            self.sites, self.agencies = {}, []
            for fault in faults:
                self.agencies.append(self._wire(fault, tls.contexts))
        except BaseException:
            for server in self._servers:
                server.server_close()
            self._closed.close()
            raise
        self.expected_status = {f.id: f.status for f in faults}
        for index, server in enumerate(self._servers):
            serve(server, f"fault-{index}")

    def _bind(self, context: object) -> FaultServer:
        server = FaultServer(context, self._stop)  # type: ignore[arg-type]
        self._servers.append(server)
        return server

    def _wire(self, fault: Fault, contexts: dict[str, object]) -> Agency:
        site = FaultSite(fault.name, trap_origin=self.trap_origin)
        self.sites[fault.id] = site
        if fault.app == "dns":
            site.origin = f"https://{DNS_HOST}"
        elif fault.app == "refused":
            site.origin = f"http://127.0.0.1:{self._closed.port}"
        else:
            server = self._bind(contexts[fault.tls] if fault.tls else None)
            site.origin = server.origin
            server.app = APPS[fault.app](site)
        return Agency(id=fault.id, name=fault.name, name_en=fault.name_en,
                      block=fault.block,  # type: ignore[arg-type]
                      portal_url=site.origin + "/", vendor="fault farm",
                      http_url=site.origin + "/", valid_from=VALID_FROM)

    # --- the public controls ---------------------------------------------------------------

    def write_registry(self, path: Path) -> Path:
        """Write the fault portals' agencies as a registry CSV at `path`."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return registry.write(Path(path), self.agencies)

    def request_log(self, agency_id: str) -> list[tuple[float, str]]:
        """(time.time(), path) of every request a fault portal received."""
        site = self.sites[agency_id]
        with site.lock:
            return list(site.log)

    def trap_log(self) -> list[str]:
        """Paths the off-scope trap host was asked for (a probe in scope asks nothing)."""
        return list(self._trap.log)

    def stop(self) -> None:
        """Stop every server; dripping, hanging and streaming answers end at once."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._close_all()

    def _close_all(self) -> None:
        shutdown_all(self._servers)
        self._closed.close()

    def __enter__(self) -> FaultFarm:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def start_fault_farm(workdir: Path) -> FaultFarm:
    """Start every fault portal on loopback; the FaultFarm is also a context manager."""
    return FaultFarm(Path(workdir))
