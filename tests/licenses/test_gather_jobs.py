"""A large 证照归集 file from the workbench runs in the task worker (licenses.GatherJob): the page
redirects to the job, which ends with the same report; a job runs once; jobs are in scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from yiwang.licenses import gathering
from yiwang.licenses.models import GatherJob, GatherJobStatus, License
from yiwang.org.models import Role

from .test_gathering import csv_bytes, person_row

pytestmark = pytest.mark.django_db
URL = "/workbench/licenses/gather/"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE
    settings.YIWANG_LICENSE_GATHER_INLINE_ROWS = 1


@pytest.fixture
def admin_client(client, issuer):
    client.force_login(factories.staff(issuer, [Role.DEPARTMENT_ADMIN]).user)
    return client


def post(client, department, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {"department": department.pk, "file": SimpleUploadedFile("big.csv", data)}
        )
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(URL + "jobs/")
    return client.get(response["Location"])


def test_a_large_file_is_gathered_in_the_worker(
    admin_client, issuer, license_type, django_capture_on_commit_callbacks
):
    rows = [person_row(license_type.code, f"J-{n}") for n in range(3)]
    page = post(admin_client, issuer, csv_bytes(rows), django_capture_on_commit_callbacks)
    job = GatherJob.objects.get()
    assert job.status == GatherJobStatus.DONE and job.rows == 3
    assert License.objects.count() == 3
    html = page.content.decode()
    assert "新增 3 本" in html and 'data-status="done"' in html
    assert "hx-get" not in html  # finished: no more polling
    for license in License.objects.all():
        assert license.identifier in html
    # The file is gone once the job ended; running the job again gathers nothing twice.
    from django.core.files.storage import default_storage

    assert not default_storage.exists(job.path)
    assert gathering.gather_job_run(job_id=job.pk).status == GatherJobStatus.DONE
    assert License.objects.count() == 3


def test_a_job_with_bad_rows_writes_nothing_and_reports_them(
    admin_client, issuer, license_type, django_capture_on_commit_callbacks
):
    rows = [person_row(license_type.code, "K-1"), person_row(license_type.code, "K-1")]
    page = post(admin_client, issuer, csv_bytes(rows), django_capture_on_commit_callbacks)
    assert License.objects.count() == 0
    html = page.content.decode()
    assert "未写入任何证照" in html and "与第 2 行重复" in html


def test_a_failing_job_says_why(issuer, license_type, tmp_path):
    user = factories.staff(issuer, [Role.DEPARTMENT_ADMIN]).user
    job = GatherJob.objects.create(
        created_by=user, department=issuer, filename="x.csv", path="gathering/missing/file.dat"
    )
    job = gathering.gather_job_run(job_id=job.pk)
    assert job.status == GatherJobStatus.FAILED and "内部错误" in job.failure


def test_the_status_block_polls_until_done(admin_client, issuer):
    user = factories.staff(issuer, [Role.DEPARTMENT_ADMIN]).user
    job = GatherJob.objects.create(
        created_by=user, department=issuer, filename="x.csv", path="p", rows=9
    )
    block = admin_client.get(f"{URL}jobs/{job.pk}/status/")
    assert block.status_code == 200
    assert "hx-get" in block.content.decode() and "9 行数据" in block.content.decode()


def test_another_departments_job_is_404(client, issuer):
    user = factories.staff(issuer, [Role.DEPARTMENT_ADMIN]).user
    job = GatherJob.objects.create(created_by=user, department=issuer, filename="x.csv", path="p")
    other = factories.department("示范县卫生健康局")
    client.force_login(factories.staff(other, [Role.DEPARTMENT_ADMIN]).user)
    assert client.get(f"{URL}jobs/{job.pk}/").status_code == 404
    assert client.get(f"{URL}jobs/{job.pk}/status/").status_code == 404
