"""Import of the service-item catalogue from xlsx and CSV files (事项批量导入).

A file is read in full (at most YIWANG_IMPORT_MAX_ROWS rows) and every row validated, outside any
transaction, before anything is written. A file with any invalid row imports nothing and yields a
per-row error report: the row as Excel numbers it (the header is row 1), the column as named in the
file, and a message in Chinese. Only a clean file is written, in one short transaction of bulk
statements that leave what the catalogue services would (item codes, versions, copied children,
review states, adjustment-log entries), with one ``catalog.import`` audit event naming every item.
The workbench runs imports as ImportJobs in the task worker; the command runs them inline.

Re-importing the same file changes nothing. Each row is compared with the item's current version
(its open draft if it has one, else its published version):
- identical elements: the row is skipped (unchanged);
- different elements: a published item gets a new draft version (version_start_revision, then
  version_update); an open draft is edited in place (updated);
- no such item: the base item is found or created and the department claims it (created).
Columns absent from the file leave those elements as they are.

With ``publish`` (bureau reviewers only) every imported draft is submitted, approved and
published at once; otherwise items land as drafts for their department to submit.

The format — sheets (or CSV files) of items, materials, process steps, special procedures and
bundles, recognised by their headers through the alias tables below — is documented in
docs/catalog-import.md. The demo county's own CSV headers (shared/data/service_items.csv,
bundles.csv) are aliases, so those files import as they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from yiwang.catalog import workflow
from yiwang.catalog.transfer.planner import Planner
from yiwang.catalog.transfer.reading import read_files
from yiwang.catalog.transfer.report import ImportResult, Progress, RowError
from yiwang.catalog.transfer.writing import (
    STALE_MESSAGE,
    BulkWrite,
    Stale,
    WriteFailed,
    count_changes,
    write_bundle,
)
from yiwang.org.models import User


def catalog_import(
    *,
    files: Sequence[tuple[str, bytes]],
    actor: User | None = None,
    publish: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    checking: Progress | None = None,
    writing: Callable[[int], None] | None = None,
    retry: bool = True,
) -> ImportResult:
    """Import items and bundles from xlsx/CSV files, all or nothing.

    `files` are (file name, content) pairs; a workbook may hold every sheet, or the items and
    bundles may come as separate CSV files. `actor` None is the system (the command line);
    staff import only for departments in their data scope. `publish` (reviewers only) submits,
    approves and publishes every imported draft and bundle.

    Raises ImportFileError for a file that cannot be read (or rows beyond the cap) and
    PermissionDenied for a role that may not compile items. Row problems come back in
    ``result.errors`` and nothing is written.

    Reading and checking happen outside any transaction; only the writes of a clean file take
    one. `checking(rows done, rows)` reports the check; `writing(n)` is called once, before the
    write transaction opens, with the number of writes; `progress(done, n)` follows them.
    """
    if not workflow.may_compile(actor):
        raise PermissionDenied(gettext("您的角色不能导入事项。"))
    if publish and not workflow.may_review(actor):
        raise PermissionDenied(gettext("只有数据资源局可以导入并直接发布。"))
    tables, rows = read_files(files)
    names = "、".join(name for name, _ in files)
    counter = iter(range(1, rows + 1))
    planner = Planner(
        actor=actor,
        publish=publish,
        on_row=(lambda: checking(next(counter, rows), rows)) if checking else None,
    )
    planner.plan(tables)
    result = ImportResult(dry_run=dry_run, rows=rows)
    if planner.errors:
        position = {table.source: i for i, table in reversed(list(enumerate(tables)))}
        result.errors = sorted(planner.errors, key=lambda e: (position.get(e.sheet, 0), e.row))
        return result
    items = [p for p in planner.items if p.ok]
    count_changes(result, items, planner.bundles)
    if dry_run:
        return result
    reason = f"批量导入：{names}"
    work = [p for p in items if p.action != "unchanged" or p.publish]
    bundles = [b for b in planner.bundles if b.action != "unchanged" or b.publish]
    total = len(work) + len(bundles)
    bulk = BulkWrite(work, actor, reason, names) if work else None
    if writing:
        writing(total)
    opened = time.monotonic()
    try:
        with transaction.atomic():
            if bulk is not None:
                bulk.run()
            if progress:
                progress(len(work), total)
            for done, bundle in enumerate(bundles, start=len(work) + 1):
                _attempt(bundle.table.source, bundle.row, partial(write_bundle, bundle, actor))
                if progress:
                    progress(done, total)
    except Stale:
        if not retry:
            return ImportResult(errors=[RowError(names, 1, "—", gettext(STALE_MESSAGE))], rows=rows)
        # Someone changed the catalogue after the check: check again against what is there now.
        return catalog_import(
            files=files,
            actor=actor,
            publish=publish,
            progress=progress,
            checking=checking,
            writing=writing,
            retry=False,
        )
    except (WriteFailed, IntegrityError) as failed:
        # Validation should have caught it; report it like any row error, having written nothing.
        error = (
            failed.error
            if isinstance(failed, WriteFailed)
            else RowError(names, 1, "—", gettext(STALE_MESSAGE))
        )
        return ImportResult(errors=[error], dry_run=dry_run, rows=rows)
    finally:
        result.write_seconds = time.monotonic() - opened
    return result


def _attempt(source: str, row: int, write: Callable[[], None]) -> None:
    try:
        write()
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise WriteFailed(RowError(source, row, "—", "；".join(messages))) from exc
