"""Public reads under a crowd: item detail API, guide page and search API against `/healthz`, on
the production server (`yiwang serve`, gunicorn, 2 workers), 32 connections, with wrk.

Target: each public read ≥ 50 % of the `/healthz` throughput of the same run, with p99 ≤ 50 ms.

Each endpoint's wrk run cycles through every published item of the catalogue (read from the
list API first) or through every query of the guided-search test and held-out sets (147
everyday phrasings), so that no single cached answer stands in for the work. Every response
must be 2xx: a run with an error response fails. `/healthz` is measured before and after each
public read, the mean of those two runs is that read's reference, and the sequence is repeated
(--rounds, default 3): the verdict is on the medians over the rounds, every round is printed.

    .venv/bin/python bench/public_reads.py          # SQLite demo county in var/bench-public-reads
    DATABASE_URL=postgres://postgres@127.0.0.1:5433/bench_g .venv/bin/python bench/public_reads.py
    .venv/bin/python bench/public_reads.py --data-dir /tmp/bench-g --duration 10
    .venv/bin/python bench/public_reads.py --url http://127.0.0.1:8000   # a server already running

Without --url the script migrates and seeds the demo county (`yiwang migrate`, `yiwang demo`, both
idempotent) in --data-dir (default var/bench-public-reads, kept so that the static files are
collected only once) or in DATABASE_URL's database, starts `yiwang serve` on a free port, and
stops it at the end. Needs wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0

# Prints one JSON line with the figures (wrk's own report goes to stdout too; the line is
# found by its prefix). Each thread starts at a different offset of the same path list.
WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end
function init(args)
  counter = tonumber(offset) or 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, '
    .. '"max_ms": %.2f, "non2xx": %d, "socket_errors": %d, "distinct": %d}\n',
    summary.requests, seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    #paths))
end
"""


@dataclass
class Figures:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    distinct: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def wait_until_up(base: str, timeout: float = 120.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"服务在 {timeout:.0f} 秒内没有响应：{base}")


def item_codes(base: str) -> list[str]:
    codes: list[str] = []
    url: str | None = base + "/api/catalog/items/?limit=50"
    while url:
        page = get_json(url)
        assert isinstance(page, dict)
        codes += [row["code"] for row in page["results"]]
        url = page["next"]
    return codes


def everyday_queries() -> list[str]:
    from tests.catalog.search_queries import HELD_OUT, QUERIES

    return list(dict.fromkeys(q for q, _ in [*QUERIES, *HELD_OUT]))


def run_wrk(
    base: str, name: str, paths: list[str], *, duration: int, connections: int, threads: int
) -> Figures:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "cycle.lua")
        script.write_text(WRK_SCRIPT)
        listing = Path(tmp, "paths.txt")
        listing.write_text("\n".join(paths) + "\n")
        result = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                base,
            ],
            env={**os.environ, "BENCH_PATHS": str(listing)},
            capture_output=True,
            text=True,
            check=True,
        )
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON "))
    return Figures(name=name, **json.loads(line.removeprefix("BENCH_JSON ")))


def prepare_database(env: dict[str, str]) -> None:
    yiwang = str(Path(sys.executable).with_name("yiwang"))
    subprocess.run([yiwang, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([yiwang, "demo", "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="benchmark a server already running at this address")
    parser.add_argument(
        "--data-dir",
        default=str(ROOT / "var" / "bench-public-reads"),
        help="YIWANG_DATA_DIR for the server",
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per endpoint run")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of the sequence")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument(
        "--cache-entries",
        type=int,
        help="YIWANG_PUBLIC_CACHE_ENTRIES for the server (0: measure the reads uncached)",
    )
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        print("需要 wrk：apt-get install wrk", file=sys.stderr)
        return 2

    server: subprocess.Popen[bytes] | None = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        data_dir = args.data_dir
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "YIWANG_DATA_DIR": data_dir}
        if args.cache_entries is not None:
            env["YIWANG_PUBLIC_CACHE_ENTRIES"] = str(args.cache_entries)
        prepare_database(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(Path(data_dir, "bench-serve.log"), "wb")  # noqa: SIM115 - kept open for the server
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("yiwang")),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if server is not None:
            print(
                f"server: yiwang serve, {args.workers} workers, up in {wait_until_up(base):.1f} s"
            )
        codes = item_codes(base)
        queries = everyday_queries()
        database = (
            "PostgreSQL"
            if os.environ.get("DATABASE_URL", "").startswith("postgres")
            else ("SQLite")
        )
        print(
            f"database: {database if server else 'as configured on ' + base}; "
            f"{len(codes)} published items, {len(queries)} distinct search queries; "
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per run,"
            f" {args.rounds} rounds"
        )
        endpoints = [
            ("item API", [f"/api/catalog/items/{c}/" for c in codes]),
            ("guide page", [f"/guide/item/{c}/" for c in codes]),
            (
                "search API",
                [f"/api/catalog/search/?q={urllib.parse.quote(q)}" for q in queries],
            ),
        ]

        def measure(name: str, paths: list[str], *, warm: bool) -> Figures:
            if warm and args.warmup:
                run_wrk(
                    base,
                    name,
                    paths,
                    duration=args.warmup,
                    connections=args.connections,
                    threads=args.threads,
                )
            return run_wrk(
                base,
                name,
                paths,
                duration=args.duration,
                connections=args.connections,
                threads=args.threads,
            )

        # /healthz before and after every public read: each read is compared with the mean
        # of the two runs around it, and the whole sequence is repeated, so that a burst of
        # other work on the same cores spoils one round's figures, not the result.
        rounds: list[list[tuple[Figures, float | None]]] = []
        for n in range(args.rounds):
            before = measure("/healthz", ["/healthz"], warm=n == 0)
            rows: list[tuple[Figures, float | None]] = [(before, None)]
            for name, paths in endpoints:
                read = measure(name, paths, warm=n == 0)
                after = measure("/healthz", ["/healthz"], warm=False)
                rows += [(read, (before.rps + after.rps) / 2), (after, None)]
                before = after
            rounds.append(rows)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    print(
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    columns = ("req/s", "p50 ms", "p99 ms", "max ms")
    header = f"{'endpoint':<12} " + " ".join(f"{c:>8}" for c in columns) + f" {'ratio':>6}  urls"
    errors_seen = False
    for n, rows in enumerate(rounds, start=1):
        print(f"round {n}")
        print(header)
        for f, reference in rows:
            ratio = f"{f.rps / reference:.2f}" if reference else ""
            note = ""
            if f.non2xx or f.socket_errors:
                note = f"  ({f.non2xx} non-2xx, {f.socket_errors} socket errors)"
                errors_seen = True
            print(
                f"{f.name:<12} {f.rps:>8.0f} {f.p50_ms:>8.1f} {f.p99_ms:>8.1f} {f.max_ms:>8.1f}"
                f" {ratio:>6}  {f.distinct}{note}"
            )
    print(f"median of {len(rounds)} rounds")
    print(
        f"{'endpoint':<12} "
        + " ".join(f"{c:>8}" for c in ("req/s", "p50 ms", "p99 ms"))
        + f" {'ratio':>6}"
    )
    failed = errors_seen
    names = ["/healthz"] + [name for name, _ in endpoints]
    for name in names:
        runs = [(f, ref) for rows in rounds for f, ref in rows if f.name == name]
        rps = statistics.median(f.rps for f, _ in runs)
        p50 = statistics.median(f.p50_ms for f, _ in runs)
        p99 = statistics.median(f.p99_ms for f, _ in runs)
        line = f"{name:<12} {rps:>8.0f} {p50:>8.1f} {p99:>8.1f}"
        if name != "/healthz":
            ratio = statistics.median(f.rps / ref for f, ref in runs if ref)
            ok = ratio >= TARGET_RATIO and p99 <= TARGET_P99_MS
            failed |= not ok
            line += f" {ratio:>6.2f}  {'ok' if ok else 'MISSES TARGET'}"
        print(line)
    print(
        f"target: each public read ≥ {TARGET_RATIO:.0%} of the /healthz throughput (mean of the"
        f" runs just before and after it) with p99 ≤ {TARGET_P99_MS:.0f} ms; every response 2xx"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
