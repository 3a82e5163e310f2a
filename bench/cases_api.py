"""Cases API under a crowd, with 1,000,000 cases in the database: `GET /api/cases/{id}/` and
acceptance (`POST /api/cases/{id}/accept/`) on the production server (`yiwang serve`, gunicorn),
32 connections, with wrk; each as a ratio to a bare Django JSON view (`/healthz.json`) served the
same way in the same run.

Targets (issue 8): the status read ≥ 50 % of the bare view's throughput, p99 ≤ 50 ms.

    .venv/bin/python bench/cases_api.py                       # SQLite in var/bench-cases
    .venv/bin/python bench/cases_api.py --cases 100000        # a smaller database
    DATABASE_URL=postgres://postgres@127.0.0.1:5434/bench_cases .venv/bin/python bench/cases_api.py

The database is the demo county plus --cases bulk-generated cases (kept between runs: the script
only adds what is missing). Most are archived or delivered, the rest spread over the open
states; --pool of them are submitted applications of the 市场监管局 with their paper materials
recorded, waiting for the window clerk (scjg_clerk) to accept them — each accepted once, so a
run never repeats an acceptance. Reads cycle through random case ids, as the bureau staff
(bureau: the county scope). Every response must be 2xx. The bare view is measured before and
after each endpoint; the verdict is on the medians over --rounds rounds. Needs wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from public_reads import free_port, wait_until_up  # noqa: E402

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
BATCH = 5000

WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local method = os.getenv("BENCH_METHOD")
local token = os.getenv("BENCH_TOKEN")
local threads = {}
local counter = 0
function setup(thread)
  thread:set("offset", #threads)
  thread:set("step", 0)
  table.insert(threads, thread)
end
function init(args)
  counter = tonumber(offset) or 0
  nthreads = #threads
end
function request()
  -- each thread takes every n-th path, so no two requests share a path (acceptances)
  local path = paths[(counter % #paths) + 1]
  counter = counter + (tonumber(os.getenv("BENCH_THREADS")) or 1)
  local headers = {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json"}
  if method == "POST" then
    return wrk.format("POST", path, headers, "{}")
  end
  return wrk.format("GET", path, headers)
end
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, '
    .. '"max_ms": %.2f, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
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

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    base: str,
    name: str,
    paths: list[str],
    token: str,
    *,
    method: str = "GET",
    duration: int,
    connections: int,
    threads: int,
) -> Figures:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "cases.lua")
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
            env={
                **os.environ,
                "BENCH_PATHS": str(listing),
                "BENCH_METHOD": method,
                "BENCH_TOKEN": token,
                "BENCH_THREADS": str(threads),
            },
            capture_output=True,
            text=True,
            check=True,
        )
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON "))
    return Figures(name=name, **json.loads(line.removeprefix("BENCH_JSON ")))


# --- The database -----------------------------------------------------------------------------


def generate(total: int, pool: int) -> tuple[list[int], list[int]]:
    """Add bulk-generated cases until there are `total`, `pool` of them submitted to the
    市场监管局 and not yet accepted. Returns (all case ids sample, pool ids)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    django.setup()
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from yiwang.cases.fields import CaseStatus, Channel
    from yiwang.cases.models import Case, CaseEvent, CaseMaterial
    from yiwang.catalog.models import ServiceItem
    from yiwang.org.models import Applicant, User
    from yiwang.workdays.models import Clock
    from yiwang.workdays.selectors import work_calendar

    calendar = work_calendar()
    items = list(
        ServiceItem.objects.filter(published_version__isnull=False, status="active")
        .select_related("published_version", "department")
        .prefetch_related("published_version__materials")
        .order_by("code")
    )
    market = [i for i in items if i.department.name == "县市场监督管理局"]
    applicants = list(Applicant.objects.filter(user__isnull=False))
    clerk = User.objects.get(username="scjg_clerk")
    today = timezone.localdate()
    have = Case.objects.count()
    waiting = Case.objects.filter(status=CaseStatus.SUBMITTED, number__startswith="P").count()
    rng = random.Random(20261201)
    states = (
        [CaseStatus.ARCHIVED] * 55
        + [CaseStatus.DELIVERED] * 20
        + [CaseStatus.IN_REVIEW] * 10
        + [CaseStatus.CONCLUDED] * 5
        + [CaseStatus.CORRECTION] * 3
        + [CaseStatus.NOT_ACCEPTED] * 3
        + [CaseStatus.WITHDRAWN] * 2
        + [CaseStatus.DRAFT] * 2
    )
    channels = list(Channel.values)
    started = time.monotonic()

    def build(n: int, prefix: str, status_of) -> None:  # type: ignore[no-untyped-def]
        done = 0
        while done < n:
            size = min(BATCH, n - done)
            rows = []
            for k in range(size):
                seq = have + done + k
                item = (market if prefix == "P" else items)[
                    seq % len(market if prefix == "P" else items)
                ]
                version = item.published_version
                status = status_of(seq)
                accepted = today - dt.timedelta(days=rng.randrange(1, 180))
                is_accepted = status in (
                    CaseStatus.IN_REVIEW,
                    CaseStatus.CONCLUDED,
                    CaseStatus.DELIVERED,
                    CaseStatus.ARCHIVED,
                )
                legal = (
                    calendar.deadline(accepted, version.legal_limit, "next").date
                    if is_accepted
                    else None
                )
                promised = (
                    calendar.deadline(accepted, version.promised_limit, "next").date
                    if is_accepted
                    else None
                )
                applicant = applicants[seq % len(applicants)]
                rows.append(
                    Case(
                        number=f"{prefix}{seq:011d}",
                        item=item,
                        version=version,
                        department_id=item.department_id,
                        applicant=applicant,
                        channel=Channel.WINDOW if prefix == "P" else channels[seq % len(channels)],
                        status=status,
                        created_by_id=applicant.user_id,
                        form_data={},
                        delivery_address={},
                        submitted_at=timezone.now(),
                        received_on=accepted if status != CaseStatus.DRAFT else None,
                        accepted_on=accepted if is_accepted else None,
                        legal_deadline=legal,
                        promised_deadline=promised,
                        concluded_on=promised
                        if status
                        in (CaseStatus.CONCLUDED, CaseStatus.DELIVERED, CaseStatus.ARCHIVED)
                        else None,
                        visits=1,
                    )
                )
            with transaction.atomic():
                created = Case.objects.bulk_create(rows)
                CaseEvent.objects.bulk_create(
                    CaseEvent(
                        case=c,
                        actor_label="bench",
                        action="create",
                        label="创建申请",
                        to_status=CaseStatus.DRAFT,
                    )
                    for c in created
                )
                if prefix == "P":
                    clocks = Clock.objects.bulk_create(
                        Clock(
                            subject_type="cases.case",
                            subject_id=str(c.pk),
                            started_on=today,
                            limit_days=5,
                            start_rule="next",
                            deadline=calendar.deadline(today, 5, "next").date,
                            deadline_rule="bench",
                        )
                        for c in created
                    )
                    for c, clock in zip(created, clocks, strict=True):
                        c.pre_review_clock = clock
                        c.received_on = today
                    Case.objects.bulk_update(created, ["pre_review_clock", "received_on"])
                    CaseMaterial.objects.bulk_create(
                        CaseMaterial(
                            case=c, order=m.order, name=m.name, paper=True, uploaded_by=clerk
                        )
                        for c in created
                        for m in c.version.materials.all()
                        if m.required and not m.exempt
                    )
            done += size
            print(
                f"\r  {prefix}: {done:,}/{n:,} ({time.monotonic() - started:.0f} s)",
                end="",
                file=sys.stderr,
            )
        print(file=sys.stderr)

    missing_pool = max(pool - waiting, 0)
    if missing_pool:
        build(missing_pool, "P", lambda seq: CaseStatus.SUBMITTED)
        have += missing_pool
    missing = max(total - have, 0)
    if missing:
        build(missing, "B", lambda seq: states[seq % len(states)])
    ids = (
        list(Case.objects.values_list("pk", flat=True).order_by("?")[:20000])
        if total <= 200000
        else [
            rng.randrange(1, Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 1)
            for _ in range(20000)
        ]
    )
    pool_ids = list(
        Case.objects.filter(status=CaseStatus.SUBMITTED, number__startswith="P").values_list(
            "pk", flat=True
        )
    )
    return ids, pool_ids


def warm_file_cache(database: Path) -> str:
    """Read the SQLite file once, so that it is in the OS page cache as on a server in steady
    state: random reads over a million cases in a few seconds would otherwise measure the
    disk, not the software (the file is several GB with the stored details)."""
    if not database.exists():  # PostgreSQL: its own buffers and the OS cache
        return "cache: PostgreSQL (not warmed by the script)"
    started = time.monotonic()
    with database.open("rb") as stream:
        while stream.read(16 * 1024 * 1024):
            pass
    size = database.stat().st_size / 2**30
    return f"cache: {size:.1f} GiB database file read in {time.monotonic() - started:.1f} s"


def token(base: str, username: str) -> str:
    from yiwang.demo.county import DEMO_PASSWORD

    body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(
        base + "/api/auth/token/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["token"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-cases"))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--pool", type=int, default=20_000, help="submitted cases to accept")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("需要 wrk：apt-get install wrk", file=sys.stderr)
        return 2
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    os.environ["YIWANG_DATA_DIR"] = args.data_dir
    yiwang = str(Path(sys.executable).with_name("yiwang"))
    subprocess.run([yiwang, "migrate", "--noinput", "-v0"], check=True)
    subprocess.run([yiwang, "demo", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    started = time.monotonic()
    ids, pool = generate(args.cases, args.pool)
    print(
        f"database: {args.cases:,} cases ready in {time.monotonic() - started:.0f} s; "
        f"pool {len(pool):,}"
    )
    # Bulk-made rows bypass the services, so their stored details (cases.api.snapshots) are
    # rendered here, as `yiwang cases snapshots` does after a bulk load in production.
    started = time.monotonic()
    snapshots = subprocess.run(
        [yiwang, "cases", "snapshots"], check=True, stdout=subprocess.PIPE, text=True
    )
    print(f"{snapshots.stdout.strip()} ({time.monotonic() - started:.0f} s)")
    print(warm_file_cache(Path(args.data_dir, "yiwang.sqlite3")))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(Path(args.data_dir, "bench-serve.log"), "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [yiwang, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        print(
            f"server: yiwang serve, {args.workers} workers, "
            f"up in {wait_until_up(base, timeout=600):.1f} s"
        )
        reader, clerk = token(base, "bureau"), token(base, "scjg_clerk")
        runs: dict[str, list[tuple[Figures, float]]] = {"status": [], "accept": []}
        run = {"duration": args.duration, "connections": args.connections, "threads": args.threads}
        rng = random.Random(7)
        for round_ in range(1, args.rounds + 1):
            for name, paths, who, method in (
                ("status", [f"/api/cases/{i}/" for i in rng.sample(ids, len(ids))], reader, "GET"),
                (
                    "accept",
                    [f"/api/cases/{pool.pop()}/accept/" for _ in range(min(len(pool), 6000))],
                    clerk,
                    "POST",
                ),
            ):
                before = run_wrk(base, "bare", ["/healthz.json"], reader, **run)
                figures = run_wrk(base, name, paths, who, method=method, **run)
                after = run_wrk(base, "bare", ["/healthz.json"], reader, **run)
                anchor = (before.rps + after.rps) / 2
                runs[name].append((figures, anchor))
                print(
                    f"round {round_} {name:7} {figures.rps:8.1f} req/s  "
                    f"p50 {figures.p50_ms:6.1f} ms  p99 {figures.p99_ms:6.1f} ms  "
                    f"bare {anchor:8.1f} req/s  ratio {figures.rps / anchor:.2f}"
                    f"  non-2xx {figures.non2xx}"
                )
                if figures.non2xx or figures.socket_errors:
                    print(
                        f"{name}: {figures.non2xx} non-2xx, {figures.socket_errors} socket errors",
                        file=sys.stderr,
                    )
                    return 1
        ok = True
        for name, results in runs.items():
            ratio = statistics.median(f.rps / a for f, a in results)
            p99 = statistics.median(f.p99_ms for f, _ in results)
            verdict = ratio >= TARGET_RATIO and p99 <= TARGET_P99_MS
            ok &= verdict or name == "accept"
            print(
                f"{name}: median ratio {ratio:.2f} (target ≥ {TARGET_RATIO}), "
                f"median p99 {p99:.1f} ms "
                f"(target ≤ {TARGET_P99_MS:.0f}) → {'ok' if verdict else 'MISSED'}"
            )
        return 0 if ok else 1
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
