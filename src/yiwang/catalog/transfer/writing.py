"""Writing a checked import plan: one short transaction of bulk statements that leave what the
catalogue services would."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_noop

from yiwang.audit.services import audit_operation
from yiwang.catalog import services
from yiwang.catalog.models import (
    AdjustmentLog,
    BaseItem,
    IntermediaryService,
    ItemStatus,
    Material,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialProcedure,
    VersionStatus,
)
from yiwang.catalog.transfer.planner import BundlePlan, ItemPlan
from yiwang.catalog.transfer.report import ImportResult, RowError
from yiwang.org.models import User

# --- Writing ---------------------------------------------------------------------------------


class WriteFailed(Exception):
    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


def write_bundle(plan: BundlePlan, actor: User | None) -> None:
    bundle = plan.existing
    if bundle is None:
        assert plan.lead_department is not None
        stages = [
            [t.item if isinstance(t, ItemPlan) else t for t in stage] for stage in plan.stages
        ]
        bundle = services.bundle_create(
            code=plan.code,
            name=plan.name,
            lead_department=plan.lead_department,
            stages=stages,  # type: ignore[arg-type]
            summary=plan.summary,
            situations=plan.situations,
            actor=actor,
        )
    elif plan.action == "updated":
        bundle = services.bundle_update(bundle=bundle, **plan.changes, actor=actor)
    if plan.publish:
        services.bundle_publish(bundle=bundle, actor=actor)


def count_changes(result: ImportResult, items: list[ItemPlan], bundles: list[BundlePlan]) -> None:
    for plan in items:
        setattr(result, plan.action, getattr(result, plan.action) + 1)
        result.published += plan.publish
        if plan.action != "unchanged":
            result.changes.append((plan.action, plan.department.name, plan.name))
    for bundle in bundles:
        if bundle.action == "created":
            result.bundles_created += 1
        elif bundle.action == "updated":
            result.bundles_updated += 1
        else:
            result.bundles_unchanged += 1
        result.bundles_published += bundle.publish


# --- Writing in bulk ---------------------------------------------------------------------------
# A checked plan is written with a few bulk statements per table instead of the catalogue
# services' per-item calls (five audited calls and ~30 queries an item), so that the one write
# transaction of an import of thousands of rows lasts seconds, not minutes: on SQLite every other
# writer (a sign-in) waits for it. The rows are what the services would write — the same item
# codes, versions, copied children, states and adjustment-log entries — and the audit trail
# gets one ``catalog.import`` operation event listing every item, version and base item written
# (the trail's per-event chain cannot take thousands of appends inside a short transaction).

# Marked: said in the reader's language where it is reported (importing).
STALE_MESSAGE = gettext_noop("导入期间事项目录被他人修改，请重新导入。")
IMPORT_COMMENT = "批量导入并发布"
_CHUNK = 2000  # ids per IN (…) list: SQLite allows at most 32,766 variables per statement


class Stale(Exception):
    """The catalogue changed between the check (outside the transaction) and the write."""


def _chunked(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _check_fresh(
    expected: dict[int, tuple[int, str]],
    created: set[tuple[int, int, int | None, str]],
    new_codes: set[str],
) -> None:
    """Inside the write transaction: every item the plan found still has the same latest
    version in the same state, no item it will create has appeared, no base code is taken."""
    latest: dict[int, tuple[int, str]] = {}
    for ids in _chunked(expected):
        for item_id, pk, status in (
            ServiceItemVersion.objects.filter(item__in=ids)
            .order_by("item_id", "number")
            .values_list("item_id", "pk", "status")
        ):
            latest[item_id] = (pk, status)
    if any(latest.get(item_id) != state for item_id, state in expected.items()):
        raise Stale
    if new_codes and BaseItem.objects.filter(code__in=new_codes).exists():
        raise Stale
    for ids in _chunked({key[0] for key in created}):
        for key in ServiceItem.objects.filter(base__in=ids).values_list(
            "base_id", "department_id", "region_id", "business_type"
        ):
            if key in created:
                raise Stale


def _publish_steps(status: str) -> list[str]:
    """What publishing takes from a version's state (submit → approve → publish)."""
    steps = ["submit", "approve", "publish"]
    start = {
        VersionStatus.DRAFT: 0,
        VersionStatus.RETURNED: 0,
        VersionStatus.SUBMITTED: 1,
        VersionStatus.APPROVED: 2,
    }
    return steps[start[VersionStatus(status)] :] if status in start else []


class BulkWrite:
    """The rows a checked plan writes, built before the write transaction opens (building
    tens of thousands of model objects takes longer than inserting them); :meth:`run` then
    only checks that the catalogue is unchanged and executes a few bulk statements."""

    def __init__(self, plans: list[ItemPlan], actor: User | None, reason: str, names: str):
        self.plans, self.actor, self.reason, self.names = plans, actor, reason, names
        # What the check saw, to compare with the catalogue once the transaction is open.
        self.expected = {
            p.item.pk: (p.current.pk, p.current.status)
            for p in plans
            if p.item is not None and p.current is not None
        }
        self.created_keys: set[tuple[int, int, int | None, str]] = {
            (p.base.pk, p.department.pk, p.department.region_id, p.business_type)
            for p in plans
            if p.action == "created" and p.base is not None
        }
        self.new_codes = {
            p.new_base.code
            for p in plans
            if p.action == "created" and p.base is None and p.new_base is not None
        }
        now = timezone.now()
        actor_label = actor.get_username() if actor else "系统"
        self.new_bases: dict[str, BaseItem] = {}
        self.new_items: list[ServiceItem] = []
        self.new_versions: list[ServiceItemVersion] = []
        # Existing versions whose elements change, grouped by the fields that change, and
        # existing versions that are published, grouped by the state they start from: a few
        # UPDATE statements instead of one CASE expression per row and field.
        self.edited: dict[tuple[str, ...], list[ServiceItemVersion]] = defaultdict(list)
        self.advanced: dict[str, list[int]] = defaultdict(list)
        self.now = now
        self.cleared: dict[str, list[int]] = defaultdict(list)  # relation → versions emptied
        self.children: dict[str, list[Any]] = defaultdict(list)
        self.copied: set[int] = set()  # id() of children copied from a revision's source
        self.logs: list[AdjustmentLog] = []
        self.superseded: list[int] = []
        self.published_items: list[int] = []  # existing items whose published version changes
        self.publish_new: list[ServiceItem] = []  # new items published at once
        self.targets: dict[int, ServiceItemVersion] = {}  # id(plan) → the version it ends with
        published_numbers = dict(
            ServiceItemVersion.objects.filter(
                pk__in=[
                    p.item.published_version_id
                    for p in plans
                    if p.publish and p.item is not None and p.item.published_version_id
                ]
            ).values_list("pk", "number")
        )
        copies: list[tuple[ServiceItemVersion, ServiceItemVersion]] = []

        def log(plan: ItemPlan, action: str, **extra: str) -> None:
            self.logs.append(
                AdjustmentLog(
                    item=plan.item,
                    version=self.targets[id(plan)],
                    actor=actor,
                    actor_label=actor_label,
                    action=action,
                    **extra,
                )
            )

        for plan in plans:
            is_new_version = plan.action == "created" or (
                plan.action == "updated"
                and plan.current is not None
                and plan.current.status == VersionStatus.PUBLISHED
            )
            if plan.action == "created":
                base = plan.base
                if base is None:
                    new = plan.new_base
                    assert new is not None
                    if new.code not in self.new_bases:
                        self.new_bases[new.code] = BaseItem(
                            code=new.code,
                            name=new.name,
                            item_type=new.item_type,
                            competent_department=new.competent_department,
                            implementing_body=new.implementing_body,
                            legal_basis=new.legal_basis,
                        )
                    base = self.new_bases[new.code]
                plan.base = base
                plan.item = ServiceItem(
                    base=base,
                    department=plan.department,
                    region=plan.department.region,
                    business_type=plan.business_type,
                    claimed_by=actor,
                )
                self.new_items.append(plan.item)
                before = services.claim_defaults(base=base, region=plan.department.region)
                version = ServiceItemVersion(
                    item=plan.item, number=1, created_by=actor, **{**before, **plan.elements}
                )
                self.targets[id(plan)] = version
                log(plan, "认领", summary=f"{plan.department.name}认领基本目录事项 {base.code}")
            elif is_new_version:
                current = plan.current
                assert current is not None
                before = {f: getattr(current, f) for f in services.ELEMENT_FIELDS}
                version = ServiceItemVersion(
                    item=plan.item,
                    number=current.number + 1,
                    created_by=actor,
                    change_reason=self.reason,
                    **{**before, **plan.elements},
                    # Files carried over, as services.version_start_revision does.
                    **{f: getattr(current, f) for f in services.VERSION_FILE_FIELDS},
                )
                self.targets[id(plan)] = version
                copies.append((current, version))
                log(
                    plan,
                    "新建版本",
                    summary=f"由 v{current.number} 复制为 v{version.number}",
                    reason=self.reason,
                )
            else:
                version = plan.current  # type: ignore[assignment]
                assert version is not None
                before = {f: getattr(version, f) for f in services.ELEMENT_FIELDS}
                for key, value in plan.elements.items():
                    setattr(version, key, value)
                self.targets[id(plan)] = version
            changes = bool(
                plan.elements
                or plan.materials is not None
                or plan.steps is not None
                or plan.procedures is not None
                or plan.intermediaries is not None
            )
            if plan.action != "unchanged" and changes:
                version.change_reason = self.reason or version.change_reason
                summary = services._describe_changes(
                    before, {f: getattr(version, f) for f in services.ELEMENT_FIELDS}
                )
                for given, label in (
                    (plan.materials, "更新申请材料"),
                    (plan.steps, "更新办理流程"),
                    (plan.procedures, "更新特别程序"),
                    (plan.intermediaries, "更新中介服务"),
                ):
                    if given is not None:
                        summary += f"；{label}" if summary else label
                log(plan, "编制", summary=summary or "未改动", reason=self.reason)
            if plan.publish:
                self._publish(plan, version, now, published_numbers, log)
            if is_new_version:
                self.new_versions.append(version)
            elif plan.action != "unchanged" and changes:
                self.edited[(*sorted(plan.elements), "change_reason")].append(version)
        self._copy_children(copies)
        renewed: dict[str, set[int]] = defaultdict(set)  # revisions whose copied list goes
        for plan in plans:
            version = self.targets[id(plan)]
            for relation, given in (
                ("materials", plan.materials),
                ("steps", plan.steps),
                ("special_procedures", plan.procedures),
                ("intermediaries", plan.intermediaries),
            ):
                if given is None:
                    continue
                if version.pk is not None:
                    self.cleared[relation].append(version.pk)
                else:
                    renewed[relation].add(id(version))
                model, fields = _CHILD_MODELS[relation]
                self.children[relation].extend(
                    model(
                        version=version,
                        **{k: row[k] for k in fields if k in row},
                        **({"order": index} if "order" in fields else {}),
                    )
                    for index, row in enumerate(given, start=1)
                )
        for relation, versions in renewed.items():
            self.children[relation] = [
                c
                for c in self.children[relation]
                if not (id(c.version) in versions and id(c) in self.copied)
            ]
        # Column values are prepared here; only ids and foreign keys are filled in the
        # transaction (Django's per-value SQL preparation is most of a bulk insert's time).
        self.rows: dict[type[models.Model], _Rows] = {
            BaseItem: _Rows(BaseItem, list(self.new_bases.values())),
            ServiceItem: _Rows(ServiceItem, self.new_items, late=frozenset({"code"})),
            ServiceItemVersion: _Rows(ServiceItemVersion, self.new_versions),
            **{model: _Rows(model, self.children[r]) for r, (model, _) in _CHILD_MODELS.items()},
            AdjustmentLog: _Rows(AdjustmentLog, self.logs),
        }

    def _publish(
        self,
        plan: ItemPlan,
        version: ServiceItemVersion,
        now: Any,
        published_numbers: dict[int, int],
        log: Callable[..., None],
    ) -> None:
        """Submit, approve and publish (as services do, by the reviewer who imports)."""
        item = plan.item
        assert item is not None
        if version.pk is not None:
            self.advanced[version.status].append(version.pk)
        for step in _publish_steps(version.status):
            if step == "submit":
                version.status, version.submitted_at = VersionStatus.SUBMITTED, now
                log(plan, "提交审核")
            elif step == "approve":
                version.status, version.review_comment = VersionStatus.APPROVED, IMPORT_COMMENT
                version.reviewed_at, version.reviewed_by = now, self.actor
                log(plan, "审核通过", reason=IMPORT_COMMENT)
            else:
                previous = item.published_version_id
                previous_number = None
                if previous is not None and previous != version.pk:
                    previous_number = published_numbers.get(previous)
                    self.superseded.append(previous)
                version.status, version.published_at = VersionStatus.PUBLISHED, now
                if item.pk is None:
                    self.publish_new.append(item)
                else:
                    self.published_items.append(item.pk)
                summary = f"发布 v{version.number}" + (
                    f"，替代 v{previous_number}" if previous_number else ""
                )
                log(plan, "发布", summary=summary)

    def _copy_children(self, copies: list[tuple[ServiceItemVersion, ServiceItemVersion]]) -> None:
        """services._copy_children for every revision (files carried over); a published
        source never changes, so it may be read before the transaction."""
        by_source = {source.pk: target for source, target in copies}
        for ids in _chunked(by_source):
            for relation, (model, fields) in _CHILD_MODELS.items():
                for child in model.objects.filter(version__in=ids):  # type: ignore[attr-defined]
                    extra = (
                        {"blank_form": child.blank_form, "sample_file": child.sample_file}
                        if model is Material
                        else {}
                    )
                    copy = model(
                        version=by_source[child.version_id],
                        **{f: getattr(child, f) for f in fields},
                        **extra,
                    )
                    self.copied.add(id(copy))  # replaced if the file gives this list
                    self.children[relation].append(copy)

    def run(self) -> None:
        """Inside the write transaction: check, then insert and update in bulk."""
        _check_fresh(self.expected, self.created_keys, self.new_codes)
        self.rows[BaseItem].insert()
        # Implementation codes numbered per base item and region, as item_claim numbers them.
        taken: dict[tuple[int, int], int] = defaultdict(int)
        for ids in _chunked({i.base.pk for i in self.new_items}):
            for key in ServiceItem.objects.filter(base__in=ids).values_list("base_id", "region_id"):
                taken[key] += 1
        for item in self.new_items:
            key = (item.base.pk, item.region.pk)
            taken[key] += 1
            item.code = services.item_code(
                base=item.base,
                region=item.region,
                department=item.department,
                business_type=item.business_type,
                sequence=taken[key],
            )
        self.rows[ServiceItem].insert()
        for ids in _chunked(self.superseded):
            ServiceItemVersion.objects.filter(pk__in=ids).update(status=VersionStatus.SUPERSEDED)
        self.rows[ServiceItemVersion].insert()
        for fields, versions in self.edited.items():
            ServiceItemVersion.objects.bulk_update(versions, list(fields), batch_size=200)
        published: dict[str, Any] = {
            "status": VersionStatus.PUBLISHED,
            "published_at": self.now,
            "review_comment": IMPORT_COMMENT,
            "reviewed_at": self.now,
            "reviewed_by": self.actor,
        }
        for status, pks in self.advanced.items():
            values = dict(published)
            if status == VersionStatus.APPROVED:  # already reviewed: only published now
                values = {"status": VersionStatus.PUBLISHED, "published_at": self.now}
            elif status != VersionStatus.SUBMITTED:
                values["submitted_at"] = self.now
            for ids in _chunked(pks):
                ServiceItemVersion.objects.filter(pk__in=ids).update(**values)
        for relation, (model, _) in _CHILD_MODELS.items():
            for ids in _chunked(self.cleared[relation]):
                model.objects.filter(version__in=ids).delete()  # type: ignore[attr-defined]
            self.rows[model].insert()
        for ids in _chunked(self.published_items + [i.pk for i in self.publish_new]):
            ServiceItem.objects.filter(pk__in=ids).update(
                published_version=Subquery(
                    ServiceItemVersion.objects.filter(
                        item=OuterRef("pk"), status=VersionStatus.PUBLISHED
                    ).values("pk")[:1]
                ),
                status=Case(
                    When(status=ItemStatus.CLAIMED, then=Value(ItemStatus.ACTIVE)),
                    default=F("status"),
                ),
            )
        self.rows[AdjustmentLog].insert()
        audit_operation(
            action="catalog.import",
            object_type="catalog.serviceitem",
            object_id="import",
            object_label=self.names[:200],
            changes={
                "items": {
                    "before": None,
                    "after": [
                        [p.item.pk, self.targets[id(p)].number, p.action, bool(p.publish)]  # type: ignore[union-attr]
                        for p in self.plans
                    ],
                },
                "base_items": {"before": None, "after": [b.pk for b in self.new_bases.values()]},
            },
            reason=self.reason,
            actor=self.actor,
        )


class _Rows:
    """New rows of one model for a fast insert: every column value prepared for the database
    up front; ids reserved, foreign keys and `late` columns filled only when inserting."""

    def __init__(
        self, model: type[models.Model], objs: list[Any], late: frozenset[str] = frozenset()
    ):
        self.model, self.objs = model, objs
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.fill = [
            (index, f) for index, f in enumerate(self.fields) if f.is_relation or f.name in late
        ]
        self.fast = connection.vendor in ("sqlite", "postgresql")
        if not self.fast:
            return
        skip = {index for index, _ in self.fill}
        self.values = [
            [
                None if index in skip else f.get_db_prep_save(f.pre_save(obj, True), connection)
                for index, f in enumerate(self.fields)
            ]
            for obj in objs
        ]

    def insert(self) -> None:
        if not self.objs:
            return
        if not self.fast:
            self.model._default_manager.bulk_create(self.objs)
            return
        ids = _reserve_ids(self.model, len(self.objs))
        rows = []
        for obj, pk, values in zip(self.objs, ids, self.values, strict=True):
            obj.pk = pk
            for index, f in self.fill:
                if f.is_relation:
                    value = getattr(obj, f.attname)
                    if value is None and f.is_cached(obj):  # type: ignore[attr-defined]
                        related = f.get_cached_value(obj)  # type: ignore[attr-defined]
                        value = related.pk if related is not None else None
                        setattr(obj, f.attname, value)
                else:
                    value = f.get_db_prep_save(getattr(obj, f.attname), connection)
                values[index] = value
            rows.append([pk, *values])
            obj._state.adding, obj._state.db = False, connection.alias
        quote: Callable[[Any], str] = connection.ops.quote_name
        columns = ", ".join(
            quote(c) for c in [self.model._meta.pk.column, *(f.column for f in self.fields)]
        )
        sql = (
            f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * (len(self.fields) + 1))})"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), _CHUNK):
                cursor.executemany(sql, rows[start : start + _CHUNK])


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` unused primary keys (inside the write transaction, which on SQLite holds the
    database's only write lock; on PostgreSQL they come from the table's sequence)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote: Callable[[Any], str] = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


_CHILD_MODELS: dict[str, tuple[Any, list[str]]] = {
    "materials": (Material, services.MATERIAL_FIELDS),
    "steps": (ProcessStep, services.STEP_FIELDS),
    "special_procedures": (SpecialProcedure, services.PROCEDURE_FIELDS),
    "intermediaries": (IntermediaryService, services.INTERMEDIARY_FIELDS),
}
