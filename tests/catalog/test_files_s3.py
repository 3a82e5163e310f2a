"""Uploaded files in S3-compatible object storage (YIWANG_STORAGE=s3, django-storages): a blank
form uploaded on the edit page lands in the bucket and the public guide's file view streams it
back; same-named uploads keep their own objects; an import job's files wait in the bucket for
the worker and are deleted after the run. Needs YIWANG_TEST_S3_ENDPOINT (tests/scale_out.py;
required in CI)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.catalog.conftest import CatalogWorld, claim_ready, publish
from tests.catalog.test_files import body, file_url, first_material, materials_with_files
from tests.catalog.test_import_jobs import rows
from tests.catalog.test_importing import csv_bytes
from tests.catalog.test_views import edit_url, load_edit_form, revise
from tests.common import files
from tests.scale_out import bucket_keys
from yiwang.catalog import services
from yiwang.catalog.models import ImportJobStatus, ServiceItem, VersionStatus
from yiwang.catalog.transfer import jobs

FORM_V1 = files.pdf(pages=2)
FORM_V2 = files.pdf(pages=3)


@pytest.fixture
def published(world: CatalogWorld, s3_storage) -> ServiceItem:
    """A published item whose first material has a blank form (申请书.pdf) and a sample."""
    item = claim_ready(world)
    services.version_update(
        version=item.versions.get(),
        materials=materials_with_files(FORM_V1),
        actor=world.clerk.user,
    )
    publish(world, item.versions.get())
    item.refresh_from_db()
    return item


def test_a_blank_form_uploaded_on_the_edit_page_is_served_from_the_bucket(
    client, world: CatalogWorld, published, s3_storage
):
    anonymous = client.__class__()
    old = first_material(published)
    assert body(anonymous.get(file_url(old))) == FORM_V1
    assert body(anonymous.get(file_url(old, "sample"))) == files.png()

    client.force_login(world.clerk.user)
    draft = revise(client, published)
    data = load_edit_form(client, draft)
    data.update(
        {
            "reason": "换空白表格",
            # The same file name as v1's: it must get an object of its own.
            "materials-0-blank_form": SimpleUploadedFile("申请书.pdf", FORM_V2, "application/pdf"),
        }
    )
    assert client.post(edit_url(draft), data).status_code == 302
    new = draft.materials.get(order=1)
    assert new.blank_form.name != old.blank_form.name
    keys = bucket_keys(s3_storage)
    assert f"county/{old.blank_form.name}" in keys and f"county/{new.blank_form.name}" in keys
    assert all(key.startswith("county/catalog/") for key in keys)
    stored = s3_storage.get_object(Bucket=s3_storage.bucket, Key=f"county/{new.blank_form.name}")
    assert stored["Body"].read() == FORM_V2

    # The draft's file is for staff only; once published, everyone downloads it.
    assert anonymous.get(file_url(new)).status_code == 404
    response = client.get(file_url(new))
    assert response.status_code == 200 and body(response) == FORM_V2
    publish(world, draft)
    response = anonymous.get(file_url(new))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert body(response) == FORM_V2
    # The superseded version keeps serving its own file.
    superseded = first_material(published, VersionStatus.SUPERSEDED)
    assert body(anonymous.get(file_url(superseded))) == FORM_V1


def test_an_object_gone_from_the_bucket_is_404(client, published, s3_storage):
    material = first_material(published)
    s3_storage.delete_object(Bucket=s3_storage.bucket, Key=f"county/{material.blank_form.name}")
    assert client.get(file_url(material)).status_code == 404


def test_an_import_jobs_files_wait_in_the_bucket_and_are_deleted_after_the_run(
    world: CatalogWorld, s3_storage
):
    data = csv_bytes(rows(2))
    job = jobs.import_job_create(files=[("items.csv", data)], actor=world.clerk.user)
    key = f"county/{job.files[0]['path']}"
    assert bucket_keys(s3_storage) == [key] and key.startswith("county/imports/")
    assert s3_storage.get_object(Bucket=s3_storage.bucket, Key=key)["Body"].read() == data

    jobs.import_job_run(job_id=job.pk)  # what the worker's task runs

    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE, job.failure
    assert job.report["counts"]["created"] == 2
    assert ServiceItem.objects.count() == 2
    assert bucket_keys(s3_storage) == []
