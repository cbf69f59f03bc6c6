"""Embedding: the embed URL, a page load in a real browser, and the page's data API.

One run on the seed scenario (``sightgate demo load``) with one ``sightgate serve`` on the
embedded store, each figure beside a baseline measured in the same run:

- ``GenerateEmbedUrlForRegisteredUser`` through boto3, beside ``DescribeUser`` (the same
  client, signing and server; what minting a URL adds to a plain AWS call);
- navigation to the SDK's ``CONTENT_LOADED`` for ``common-dashboard`` in headless
  Chromium (Playwright, the ISV page of the browser tests), in a fresh browser context
  (cold) and again in the same one (the HTTP cache warm), beside the same sheet's visual
  queries run in-process (``DashboardRenderer.render``: authorization, RLS and DuckDB,
  no HTTP, no page); and the browser's own floor under any embed: a cross-origin frame
  of a tiny page (the server's ``/healthz``) made on the same ISV page, to its ``load``
  event, in the fresh context and again after the warm load;
- the server side of a page load: URL and experience page (which ends with the first
  sheet's data);
- sheet data requests per second from 8 redeemed sessions (httpx async clients, Bearer
  secret), beside the same sheet drawn in-process, one at a time.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.server
import json
import os
import re
import ssl
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import httpx
from botocore.config import Config

from bench.harness import (
    REPO_ROOT,
    ServerProcess,
    free_port,
    machine,
    percentile,
    run_command,
    sightgate_argv,
)

NAME = "embedding"
ACCOUNT = "111122223333"
PREFIX = f"arn:aws:quicksight:us-east-1:{ACCOUNT}"
USER = "internal-admin-1"
DASHBOARD = "common-dashboard"
ISV_DIR = REPO_ROOT / "tests" / "e2e" / "browser" / "isv"
SDK_DIR = REPO_ROOT / "node_modules" / "amazon-quicksight-embedding-sdk" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
_BOOT = re.compile(r'<script type="application/json" id="sightgate-boot">(.*?)</script>', re.S)
_SHEET = re.compile(r'<script type="application/json" id="sightgate-sheet">(.*?)</script>', re.S)
URL_TARGET_P99_MS = 10.0
PAGE_TARGET_RATIO = 1.5


def _latencies(call: Callable[[], Any], count: int) -> dict[str, float]:
    """``count`` sequential calls after 20 warm-up ones: p50, p99 and mean in ms."""
    for _ in range(20):
        call()
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return _summary(seconds)


def _summary(seconds: list[float]) -> dict[str, float]:
    """p50, p99 and mean in ms of some durations in seconds."""
    seconds = sorted(seconds)
    return {
        "calls": len(seconds),
        "p50_ms": round(percentile(seconds, 0.5) * 1000, 2),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 2),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 2),
    }


def _isv_server() -> tuple[http.server.ThreadingHTTPServer, str]:
    """The browser tests' ISV page and the SDK from node_modules, on another origin."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            plain = path.split("?", 1)[0].split("#", 1)[0]
            if plain.startswith("/sdk/"):
                return str(SDK_DIR / Path(plain[5:]).name)
            return str(ISV_DIR / (Path(plain).name or "index.html"))

        def log_message(self, format: str, *args: Any) -> None:
            return

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://localhost:{port}"


class _TlsServer(ServerProcess):
    """``sightgate serve`` on HTTPS: the SDK accepts only ``https://`` embed URLs."""

    def __init__(self, *args: Any, cert: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = f"https://127.0.0.1:{self.port}"
        self.cert = cert

    def start(self, timeout: float = 60) -> None:
        """Start the process and return once its health path answers 200 over TLS."""
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.argv,
                env={**(self.env if self.env is not None else os.environ), "COLUMNS": "1000"},
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        trusted = ssl.create_default_context(cafile=str(self.cert))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                url = f"{self.base_url}{self.health_path}"
                if httpx.get(url, timeout=1, verify=trusted, trust_env=False).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}")


class _Embedder:
    """Embed URLs for the bench user, and sessions redeemed from them."""

    def __init__(self, qs: Any, isv: str, certificate: Path) -> None:
        self.qs = qs
        self.isv = isv
        self.certificate = certificate

    def url(self) -> str:
        response = self.qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=f"{PREFIX}:user/default/{USER}",
            ExperienceConfiguration={"Dashboard": {"InitialDashboardId": DASHBOARD}},
            AllowedDomains=[self.isv],
        )
        return str(response["EmbedUrl"])

    def open(self, http: httpx.Client) -> httpx.Response:
        """A fresh URL's experience page, opened as the SDK would."""
        origin = quote(f"{self.isv}/-", safe="")  # the SDK's punycode of "<origin>/"
        answer = http.get(f"{self.url()}&punyCodeEmbedOrigin={origin}")
        answer.raise_for_status()
        return answer

    def redeem(self, http: httpx.Client) -> tuple[str, str, str]:
        """Open a URL's page as the SDK would: (session id, secret, first sheet id)."""
        answer = self.open(http)
        found = _BOOT.search(answer.text)
        assert found is not None, answer.text[:500]
        boot = json.loads(found.group(1))
        return str(boot["sessionId"]), str(boot["secret"]), _first_sheet(boot["dashboard"])


def _first_sheet(layout: dict[str, Any]) -> str:
    return str(layout["sheets"][0]["sheetId"])


def run(calls: int = 1000, loads: int = 15, seconds: float = 10.0) -> dict[str, Any]:
    """The three measurements on one server; ``calls`` per latency phase, ``loads`` page
    loads, ``seconds`` of concurrent data requests."""
    work = Path(tempfile.mkdtemp(prefix="sightgate-bench-embed-"))
    from sightgate.cli.tls import make_local_certificate

    port = free_port()
    base = f"https://127.0.0.1:{port}"
    cert = make_local_certificate(work / "tls")
    trusted = ssl.create_default_context(cafile=str(cert.cert))
    env = {
        **os.environ,
        "SIGHTGATE_DATA_DIR": str(work / "data"),
        "SIGHTGATE_LOG_LEVEL": "INFO",
        "SIGHTGATE_PUBLIC_URL": base,
    }
    env.pop("SIGHTGATE_DATABASE_URL", None)
    run_command(sightgate_argv("demo", "load", "--json"), env, timeout=600)
    key = json.loads(
        run_command(sightgate_argv("keys", "create", "--account-id", ACCOUNT, "--json"), env)
    )
    results: dict[str, Any] = {"name": NAME, "machine": machine(), "user": USER}
    isv, isv_origin = _isv_server()
    serve = ("serve", "--port", str(port), "--no-migrate", "--no-worker")
    tls = ("--tls-cert", str(cert.cert), "--tls-key", str(cert.key))
    server = _TlsServer(
        "sightgate",
        sightgate_argv(*serve, *tls),
        cert=cert.cert,
        port=port,
        health_path="/healthz",
        log_path=work / "sightgate.log",
        env=env,
    )
    try:
        with server:
            qs = boto3.client(
                "quicksight",
                endpoint_url=base,
                region_name="us-east-1",
                aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"],
                config=Config(retries={"max_attempts": 1}),
                verify=str(cert.cert),
            )
            embedder = _Embedder(qs, isv_origin, cert.cert)
            results["embed_url"] = _embed_url_phase(qs, embedder, calls)
            direct = _in_process(work / "data", base)
            results["page_load"] = _page_load_phase(embedder, direct, loads, base)
            results["server_side_load"] = _server_side_phase(base, trusted, embedder, loads)
            results["data_requests"] = _data_phase(base, trusted, embedder, direct, seconds)
    finally:
        isv.shutdown()
    results["targets"] = _targets(results)
    return results


def _embed_url_phase(qs: Any, embedder: _Embedder, calls: int) -> dict[str, Any]:
    """The two calls alternated, so both see the same moments of a busy machine."""
    describe: list[float] = []
    generate: list[float] = []

    def describe_user() -> Any:
        return qs.describe_user(AwsAccountId=ACCOUNT, Namespace="default", UserName=USER)

    for index in range(calls + 20):
        for call, into in ((describe_user, describe), (embedder.url, generate)):
            started = time.perf_counter()
            call()
            if index >= 20:  # warm-up: connections, botocore's model cache, the server
                into.append(time.perf_counter() - started)
    generated, described = _summary(generate), _summary(describe)
    return {
        "generate_embed_url": generated,
        "describe_user": described,
        "p50_ratio": round(generated["p50_ms"] / described["p50_ms"], 2),
    }


def _in_process(data_dir: Path, base: str) -> Callable[[], Any]:
    """The sheet's visuals drawn as the server draws them, with no HTTP and no page."""
    from sightgate.bootstrap import Services
    from sightgate.config import Settings

    services = Services.build(Settings(data_dir=data_dir, public_url=base))
    renderer = services.renderer
    return lambda: renderer.render(ACCOUNT, DASHBOARD, USER, namespace="default")


def _page_load_phase(
    embedder: _Embedder, direct: Callable[[], Any], loads: int, base: str
) -> dict[str, Any]:
    """Each load: a fresh browser context on the ISV page, ``embedDashboard`` with a
    fresh URL, until ``CONTENT_LOADED`` (posted once the first sheet's visuals are
    drawn); timed in the page (``performance.now()``) from the call to the message.
    Then, in the same context, the ISV page again and another fresh URL: a user's next
    dashboard, with the viewer's modules in the browser's cache (``warm``)."""
    from playwright.sync_api import sync_playwright

    cold: list[float] = []
    warm: list[float] = []
    floor_cold: list[float] = []
    floor_warm: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[_trusting(embedder.certificate)]
        )
        try:
            for index in range(loads + 2):
                context = browser.new_context(viewport={"width": 1300, "height": 1000})
                page = context.new_page()
                floor = _frame_floor_ms(page, embedder, base)
                first = _embedded_ms(page, embedder)
                second = _embedded_ms(page, embedder)
                floor_again = _frame_floor_ms(page, embedder, base)
                context.close()
                if index >= 2:  # the first two warm the browser and the server
                    cold.append(first)
                    warm.append(second)
                    floor_cold.append(floor)
                    floor_warm.append(floor_again)
        finally:
            browser.close()
    baseline = _latencies(direct, max(loads, 50))
    in_browser, cached = _load_summary(cold), _load_summary(warm)
    return {
        "browser": in_browser,
        "browser_warm": cached,
        "frame_floor": _load_summary(floor_cold),
        "frame_floor_warm": _load_summary(floor_warm),
        "in_process": baseline,
        "p50_ratio": round(in_browser["p50_ms"] / baseline["p50_ms"], 2),
        "warm_p50_ratio": round(cached["p50_ms"] / baseline["p50_ms"], 2),
    }


def _trusting(certificate: Path) -> str:
    """Chromium's switch trusting the run's certificate as a real one. Not Playwright's
    ``ignore_https_errors``: a response with a certificate error is never kept in the HTTP
    cache, so every load would be a cold one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    public_key = x509.load_pem_x509_certificate(certificate.read_bytes()).public_key()
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    return f"--ignore-certificate-errors-spki-list={pin}"


def _embedded_ms(page: Any, embedder: _Embedder) -> float:
    """One ``embedDashboard`` on the ISV page, opened afresh: ms to ``CONTENT_LOADED``."""
    url = embedder.url()
    page.goto(f"{embedder.isv}/index.html")
    started = page.evaluate(
        "url => { const t0 = performance.now(); window.embed(url); return t0; }", url
    )
    page.wait_for_function(
        "() => window.messages.some(m => m.eventName === 'CONTENT_LOADED')", timeout=30_000
    )
    at = page.evaluate("window.messages.find(m => m.eventName === 'CONTENT_LOADED').at")
    return float(at) - float(started)


def _frame_floor_ms(page: Any, embedder: _Embedder, base: str) -> float:
    """On the ISV page, opened afresh: ms from making a cross-origin frame of the server's
    ``/healthz`` to its ``load`` event (what any embedded page costs before its own work)."""
    page.goto(f"{embedder.isv}/index.html")
    script = """url => new Promise(resolve => {
        const frame = document.createElement('iframe');
        const t0 = performance.now();
        frame.onload = () => resolve(performance.now() - t0);
        frame.src = url;
        document.body.appendChild(frame);
    })"""
    return float(page.evaluate(script, f"{base}/healthz"))


def _load_summary(page_ms: list[float]) -> dict[str, float]:
    page_ms = sorted(page_ms)
    return {
        "loads": len(page_ms),
        "p50_ms": round(statistics.median(page_ms), 1),
        "p99_ms": round(percentile(page_ms, 0.99), 1),
        "min_ms": round(page_ms[0], 1),
    }


def _server_side_phase(
    base: str, trusted: ssl.SSLContext, embedder: _Embedder, loads: int
) -> dict[str, Any]:
    """What the server does for one page load, with no browser: mint the URL and redeem
    it, on one connection. The experience page ends with the first sheet's data (until
    it did, the page asked for them, and this phase POSTed that request too)."""
    with httpx.Client(base_url=base, verify=trusted, trust_env=False) as http:

        def load() -> None:
            page = embedder.open(http)
            assert _SHEET.search(page.text), page.text[-500:]

        return _latencies(load, max(loads, 30))


def _data_phase(
    base: str,
    trusted: ssl.SSLContext,
    embedder: _Embedder,
    direct: Callable[[], Any],
    seconds: float,
    sessions: int = 8,
) -> dict[str, Any]:
    with httpx.Client(base_url=base, verify=trusted, trust_env=False) as http:
        redeemed = [embedder.redeem(http) for _ in range(sessions)]
    latencies: list[float] = []

    async def client(session_id: str, secret: str, sheet: str, deadline: float) -> int:
        path = f"/embed/{session_id}/api/dashboards/{DASHBOARD}/sheets/{sheet}"
        headers = {"Authorization": f"Bearer {secret}"}
        done = 0
        async with httpx.AsyncClient(
            base_url=base, headers=headers, verify=trusted, trust_env=False
        ) as http:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                answer = await http.post(path, json={"parameters": {}, "selections": {}})
                answer.raise_for_status()
                latencies.append(time.perf_counter() - started)
                done += 1
        return done

    async def drive() -> int:
        deadline = time.perf_counter() + seconds
        counts = await asyncio.gather(*(client(*s, deadline) for s in redeemed))
        return sum(counts)

    asyncio.run(_warm(base, trusted, redeemed[0]))
    started = time.perf_counter()
    total = asyncio.run(drive())
    elapsed = time.perf_counter() - started
    latencies.sort()
    drawn = 0
    direct_started = time.perf_counter()
    while time.perf_counter() - direct_started < seconds / 2:
        direct()
        drawn += 1
    direct_elapsed = time.perf_counter() - direct_started
    served = {
        "sessions": sessions,
        "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }
    baseline = {"draws": drawn, "draws_per_second": round(drawn / direct_elapsed, 1)}
    return {
        "server": served,
        "in_process_sequential": baseline,
        "ratio": round(served["requests_per_second"] / baseline["draws_per_second"], 2),
    }


async def _warm(base: str, trusted: ssl.SSLContext, session: tuple[str, str, str]) -> None:
    session_id, secret, sheet = session
    async with httpx.AsyncClient(base_url=base, verify=trusted, trust_env=False) as http:
        for _ in range(5):
            answer = await http.post(
                f"/embed/{session_id}/api/dashboards/{DASHBOARD}/sheets/{sheet}",
                json={"parameters": {}, "selections": {}},
                headers={"Authorization": f"Bearer {secret}"},
            )
            answer.raise_for_status()


def _targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    p99 = results["embed_url"]["generate_embed_url"]["p99_ms"]
    ratio = results["page_load"]["p50_ratio"]
    return [
        {"name": "embed URL p99 <= 10 ms", "value": p99, "passed": p99 <= URL_TARGET_P99_MS},
        {"name": "page load <= 1.5x direct", "value": ratio, "passed": ratio <= PAGE_TARGET_RATIO},
    ]


def report(result: dict[str, Any]) -> str:
    """A readable summary of one run."""
    url = result["embed_url"]
    page = result["page_load"]
    data = result["data_requests"]
    lines = [
        f"Embedding ({result['machine']['cpu_model']}, {result['machine']['cores']} cores)",
        f"GenerateEmbedUrlForRegisteredUser  p50 {url['generate_embed_url']['p50_ms']} ms"
        f"  p99 {url['generate_embed_url']['p99_ms']} ms",
        f"DescribeUser (baseline)            p50 {url['describe_user']['p50_ms']} ms"
        f"  p99 {url['describe_user']['p99_ms']} ms   ratio p50 {url['p50_ratio']}",
        f"page load to CONTENT_LOADED        p50 {page['browser']['p50_ms']} ms"
        f"  p99 {page['browser']['p99_ms']} ms  min {page['browser']['min_ms']} ms",
        f"  again, warm HTTP cache           p50 {page['browser_warm']['p50_ms']} ms"
        f"  p99 {page['browser_warm']['p99_ms']} ms  min {page['browser_warm']['min_ms']} ms",
        f"browser floor: a cross-origin frame p50 {page['frame_floor']['p50_ms']} ms"
        f"  warm p50 {page['frame_floor_warm']['p50_ms']} ms",
        f"same sheet in-process (baseline)   p50 {page['in_process']['p50_ms']} ms"
        f"  p99 {page['in_process']['p99_ms']} ms   ratio p50 {page['p50_ratio']}",
        f"server side of a load (URL+page with sheet) p50 {result['server_side_load']['p50_ms']} ms"
        f"  p99 {result['server_side_load']['p99_ms']} ms",
        f"sheet data, {data['server']['sessions']} sessions          "
        f"{data['server']['requests_per_second']} req/s  p50 {data['server']['p50_ms']} ms"
        f"  p99 {data['server']['p99_ms']} ms",
        f"in-process, sequential (baseline)  "
        f"{data['in_process_sequential']['draws_per_second']} draws/s   ratio {data['ratio']}",
    ]
    for target in result["targets"]:
        lines.append(
            f"target {target['name']}: {target['value']} {'ok' if target['passed'] else 'MISSED'}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
