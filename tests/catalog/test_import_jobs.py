"""Import jobs: refused early beyond the row cap, run by the real worker queue, in the
importer's data scope, and checking rows outside any transaction so sign-ins go through."""

from __future__ import annotations

import threading

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests import factories as f
from tests.catalog.conftest import CatalogWorld
from tests.catalog.test_import_views import PAGE, upload
from tests.catalog.test_importing import HEADER, csv_bytes, row, xlsx_bytes
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_verify
from yiwang.catalog import services
from yiwang.catalog.models import ImportJob, ImportJobStatus, ServiceItem
from yiwang.catalog.transfer import jobs, planner
from yiwang.catalog.transfer.importing import catalog_import
from yiwang.catalog.transfer.jobs import import_job_create
from yiwang.catalog.transfer.report import ImportFileError


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def rows(n: int, dept: str = "县市场监督管理局") -> list[list[str]]:
    return [HEADER, *(row(f"批量事项{i}", dept=dept) for i in range(n))]


# --- The row cap -----------------------------------------------------------------------------


def test_rows_beyond_the_cap_are_refused_before_any_row_is_checked(
    world: CatalogWorld, settings, monkeypatch
):
    settings.YIWANG_IMPORT_MAX_ROWS = 5

    def never(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("rows were checked")

    monkeypatch.setattr(planner.Planner, "plan", never)
    expected = "文件“big.csv”使本次导入的数据超过 5 行的上限，请拆分成多个文件分批导入。"
    with pytest.raises(ImportFileError) as caught:
        catalog_import(files=[("big.csv", csv_bytes(rows(6)))])
    assert caught.value.messages == [expected]
    # Across files and sheets: 3 + 3 rows are one import of 6.
    book = xlsx_bytes({"事项": rows(3), "事项2": rows(3)[:1] + rows(6)[4:]})
    with pytest.raises(ImportFileError, match="超过 5 行的上限"):
        catalog_import(files=[("a.csv", csv_bytes(rows(3))), ("b.xlsx", book)])
    with pytest.raises(ImportFileError, match="超过 5 行的上限"):
        import_job_create(files=[("big.csv", csv_bytes(rows(6)))], actor=world.clerk.user)
    assert not ImportJob.objects.exists()


def test_the_page_refuses_an_oversized_import_at_once(client, world: CatalogWorld, settings):
    settings.YIWANG_IMPORT_MAX_ROWS = 5
    client.force_login(world.clerk.user)
    response = client.post(PAGE, {"file": upload("big.csv", csv_bytes(rows(6)))})
    page = response.content.decode()
    assert response.status_code == 200
    assert "使本次导入的数据超过 5 行的上限，请拆分成多个文件分批导入。" in page
    assert "每次导入合计不超过 5 行数据" in page
    assert not ImportJob.objects.exists()
    assert not settings.MEDIA_ROOT.exists()  # nothing kept


# --- The real queue: `yiwang worker --batch` -------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the worker commits and checks its connection
def test_upload_is_queued_and_the_worker_runs_it(client, world: CatalogWorld):
    client.force_login(world.clerk.user)
    response = client.post(PAGE, {"file": upload("items.csv", csv_bytes(rows(3)))})
    job = ImportJob.objects.get()
    assert response["Location"] == f"{PAGE}jobs/{job.pk}/"
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert default_storage.exists(job.files[0]["path"])  # kept until the job is done

    waiting = client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in waiting and "3 行数据" in waiting
    assert f'hx-get="{PAGE}jobs/{job.pk}/status/"' in waiting and "every 1s" in waiting
    assert not ServiceItem.objects.exists()

    call_command("worker", "--batch")

    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert (job.done, job.total) == (0, 3)  # the write phase: three items in one transaction
    assert job.report["counts"]["created"] == 3
    assert ServiceItem.objects.count() == 3
    assert not default_storage.exists(job.files[0]["path"])
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    status = client.get(f"{PAGE}jobs/{job.pk}/status/").content.decode()
    assert 'data-status="done"' in status and "hx-trigger" not in status
    assert 'data-testid="count-created">3<' in status
    # The import page lists the job.
    assert f'href="{PAGE}jobs/{job.pk}/"' in client.get(PAGE).content.decode()


def test_a_job_with_bad_rows_reports_them_and_one_that_cannot_run_fails(world: CatalogWorld):
    bad = import_job_create(
        files=[("a.csv", csv_bytes([HEADER, row(), row("户口迁移", dept="县公安局")]))],
        actor=world.clerk.user,
    )
    jobs.import_job_run(job_id=bad.pk)
    bad.refresh_from_db()
    assert bad.status == ImportJobStatus.DONE
    assert bad.report["errors"] == [["a.csv", 3, "实施部门", "“县公安局”不在您的数据范围内。"]]
    assert not ServiceItem.objects.exists()

    lost = import_job_create(files=[("b.csv", csv_bytes(rows(1)))], actor=world.clerk.user)
    default_storage.delete(lost.files[0]["path"])
    jobs.import_job_run(job_id=lost.pk)
    lost.refresh_from_db()
    assert (lost.status, lost.failure) == (ImportJobStatus.FAILED, jobs.INTERNAL_FAILURE)
    # Run again (a retried task), nothing happens twice.
    jobs.import_job_run(job_id=bad.pk)
    assert ImportJob.objects.get(pk=bad.pk).finished_at == bad.finished_at


# --- Scope -----------------------------------------------------------------------------------


def test_jobs_are_in_the_importers_data_scope(client, world: CatalogWorld):
    job = import_job_create(files=[("a.csv", csv_bytes(rows(1)))], actor=world.clerk.user)
    assert job.department == world.dept
    jobs.import_job_run(job_id=job.pk)
    urls = [f"{PAGE}jobs/{job.pk}/", f"{PAGE}jobs/{job.pk}/status/"]

    client.force_login(world.other_clerk.user)  # another department's staff
    assert [client.get(u).status_code for u in urls] == [404, 404]
    assert f"jobs/{job.pk}/" not in client.get(PAGE).content.decode()
    assert client.get(f"{PAGE}jobs/999999/").status_code == 404

    colleague = f.staff(world.dept, ["window_clerk"])
    client.force_login(colleague.user)
    assert [client.get(u).status_code for u in urls] == [200, 200]
    client.force_login(world.reviewer.user)  # the bureau sees its region
    assert client.get(urls[0]).status_code == 200


# --- No lock while checking ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_succeeds_while_a_big_import_is_being_checked(monkeypatch):
    """The job checks its rows with no transaction open, so a concurrent write (a sign-in:
    session, last login, audit event) is not blocked; on SQLite a held write lock would make
    it fail at once (shared-cache test database), on PostgreSQL the audit chain head would."""
    dept = f.department("县市场监督管理局")
    clerk = f.staff(dept, ["window_clerk"], username="clerk")
    other = f.staff(dept, ["window_clerk"], username="signer")
    job = import_job_create(files=[("big.csv", csv_bytes(rows(2000)))], actor=clerk.user)
    validating, signed_in = threading.Event(), threading.Event()
    seen: dict[str, object] = {}
    read_item = planner.Planner._read_item

    def pausing(self, row):  # type: ignore[no-untyped-def]
        if row.number == 1000 and not validating.is_set():
            seen["in_transaction"] = connection.in_atomic_block
            validating.set()
            assert signed_in.wait(30)
        return read_item(self, row)

    monkeypatch.setattr(planner.Planner, "_read_item", pausing)

    def work() -> None:
        try:
            jobs.import_job_run(job_id=job.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    try:
        assert validating.wait(30)
        job.refresh_from_db()
        assert (job.status, job.phase) == (ImportJobStatus.RUNNING, "checking")
        response = Client().post(
            "/accounts/sign-in/", {"username": "signer", "password": f.PASSWORD}
        )
        assert response.status_code == 302, response.content.decode()[:500]
        other.user.refresh_from_db()
        assert other.user.last_login is not None
    finally:
        signed_in.set()
        worker.join(120)
    assert seen["in_transaction"] is False
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE, job.failure
    assert job.report["counts"]["created"] == 2000


# --- The bulk write: what the services would write, in one short transaction ---------------


def test_bulk_write_leaves_the_rows_and_logs_the_services_would(world: CatalogWorld):
    first = csv_bytes(rows(2))
    result = catalog_import(files=[("a.csv", first)], actor=world.reviewer.user, publish=True)
    assert (result.created, result.published) == (2, 2)
    item = ServiceItem.objects.get(versions__name="批量事项0")
    base, region = item.base, item.region
    assert item.code == services.item_code(
        base=base, region=region, department=world.dept, business_type="new", sequence=1
    )
    assert (item.status, item.published_version.number) == ("active", 1)
    version = item.published_version
    assert (version.status, version.reviewed_by, version.review_comment) == (
        "published",
        world.reviewer.user,
        "批量导入并发布",
    )
    assert version.submitted_at and version.reviewed_at and version.published_at
    assert [m.name for m in version.materials.all()] == ["食品经营许可申请书", "营业执照"]
    assert [a.action for a in item.adjustments.order_by("id")] == [
        "认领",
        "编制",
        "提交审核",
        "审核通过",
        "发布",
    ]
    # A changed row opens v2 from the published v1 (children copied), then publishes it.
    changed = csv_bytes([HEADER, row("批量事项0", 承诺时限="5"), row("批量事项1")])
    result = catalog_import(files=[("b.csv", changed)], actor=world.reviewer.user, publish=True)
    assert (result.updated, result.unchanged, result.published) == (1, 1, 1)
    item.refresh_from_db()
    v1, v2 = item.versions.get(number=1), item.versions.get(number=2)
    assert (v1.status, v2.status, item.published_version) == ("superseded", "published", v2)
    assert v2.promised_limit == 5 and v2.change_reason == "批量导入：b.csv"
    assert [m.name for m in v2.materials.all()] == ["食品经营许可申请书", "营业执照"]
    logs = list(item.adjustments.order_by("id").values_list("action", "summary"))
    assert logs[5:] == [
        ("新建版本", "由 v1 复制为 v2"),
        ("编制", "修改：承诺办结时限（工作日）"),
        ("提交审核", ""),
        ("审核通过", ""),
        ("发布", "发布 v2，替代 v1"),
    ]
    # The trail holds one operation event per import, naming every item, and still verifies.
    events = AuditEvent.objects.filter(action="catalog.import").order_by("sequence")
    assert [len(e.changes["items"]["after"]) for e in events] == [2, 1]
    assert events[1].changes["items"]["after"] == [[item.pk, 2, "updated", True]]
    assert audit_verify().ok


def test_a_catalogue_changed_between_check_and_write_is_checked_again(
    world: CatalogWorld, monkeypatch
):
    """A clerk claims the item after the import checked its rows but before it writes: the
    import sees it in the transaction, checks again and edits that draft (no duplicate)."""
    plan = planner.Planner.plan
    calls = []

    def racing(self, tables):  # type: ignore[no-untyped-def]
        plan(self, tables)
        calls.append(1)
        if len(calls) == 1:
            services.item_claim(
                base=world.base, department=world.dept, region=world.dept.region, actor=None
            )

    monkeypatch.setattr(planner.Planner, "plan", racing)
    result = catalog_import(files=[("a.csv", csv_bytes([HEADER, row()]))])
    assert len(calls) == 2
    assert result.errors == [] and (result.created, result.updated) == (0, 1)
    item = ServiceItem.objects.get()
    assert item.versions.get().promised_limit == 10
