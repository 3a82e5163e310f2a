"""The national implementation list's elements (issue 7 §3) on ServiceItemVersion and the
IntermediaryService rows; the 跨省通办 / 省内通办 flags become 通办范围 (service_scope).

Existing versions get: service_scope from the flags (跨省 → cross_province, 省内 → province,
else county, as fields.scope_from_flags); online_depth 四级 when 全程网办, else 三级 when 网上办理
is a handling form, else 一级; exercise_level from the claiming region's level; result_name the
version's name, as a claim pre-fills it. The other new elements start blank for the departments
to fill in (the quality report lists them).
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import yiwang.common.validators

# Frozen copies of the rules at the time of this migration (code may change later).
_REGION_LEVEL_TO_EXERCISE = {
    1: "provincial",
    2: "municipal",
    3: "county",
    4: "township",
    5: "village",
}


def _scope(cross_province, in_province):
    if cross_province:
        return "cross_province"
    if in_province:
        return "province"
    return "county"


def _depth(fully_online, handling_forms):
    if fully_online:
        return 4
    if "online" in (handling_forms or []):
        return 3
    return 1


_FILLED = ["service_scope", "online_depth", "exercise_level", "result_name"]


def forwards(apps, schema_editor):
    Version = apps.get_model("catalog", "ServiceItemVersion")
    batch = []
    rows = Version.objects.select_related("item__region").only(
        "pk",
        "name",
        "cross_province",
        "in_province",
        "fully_online",
        "handling_forms",
        "item__region__level",
    )
    for version in rows.iterator(chunk_size=2000):
        version.service_scope = _scope(version.cross_province, version.in_province)
        version.online_depth = _depth(version.fully_online, version.handling_forms)
        version.exercise_level = _REGION_LEVEL_TO_EXERCISE.get(version.item.region.level, "")
        # As a claim pre-fills it (services.claim_defaults): publishing needs a result name.
        version.result_name = version.name[:200]
        batch.append(version)
        if len(batch) >= 2000:
            Version.objects.bulk_update(batch, _FILLED)
            batch = []
    if batch:
        Version.objects.bulk_update(batch, _FILLED)


def backwards(apps, schema_editor):
    Version = apps.get_model("catalog", "ServiceItemVersion")
    Version.objects.filter(service_scope__in=["national", "cross_province"]).update(
        cross_province=True, in_province=True
    )
    Version.objects.filter(service_scope="province").update(in_province=True)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_material_equivalences"),
    ]

    operations = [
        migrations.AddField(
            model_name="serviceitemversion",
            name="appointment",
            field=models.BooleanField(default=False, verbose_name="预约办理"),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="body_nature",
            field=models.CharField(
                blank=True,
                choices=[
                    ("statutory", "法定机关"),
                    ("authorised", "授权组织"),
                    ("entrusted", "受委托组织"),
                ],
                max_length=12,
                verbose_name="实施主体性质",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="delivery_methods",
            field=models.JSONField(blank=True, default=list, verbose_name="结果送达方式"),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="entrusting_department",
            field=models.CharField(
                blank=True,
                max_length=200,
                validators=[yiwang.common.validators.PlainText("委托部门")],
                verbose_name="委托部门",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="exercise_level",
            field=models.CharField(
                blank=True,
                choices=[
                    ("national", "国家级"),
                    ("provincial", "省级"),
                    ("municipal", "市级"),
                    ("county", "县级"),
                    ("township", "乡镇（街道）级"),
                    ("village", "村（社区）级"),
                ],
                max_length=12,
                verbose_name="行使层级",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="express_delivery",
            field=models.BooleanField(default=False, verbose_name="物流快递"),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="in_hall",
            field=models.BooleanField(
                default=False, help_text="进驻政务服务大厅", verbose_name="进驻大厅"
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="joint_bodies",
            field=models.CharField(
                blank=True,
                help_text="多个机构用、分隔",
                max_length=500,
                validators=[yiwang.common.validators.PlainText("联办机构")],
                verbose_name="联办机构",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="online_depth",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[
                    (1, "一级（网上公开办事信息）"),
                    (2, "二级（网上下载表格、预约）"),
                    (3, "三级（网上预审、网上受理）"),
                    (4, "四级（全程网办）"),
                ],
                null=True,
                verbose_name="网上办理深度",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="online_payment",
            field=models.BooleanField(default=False, verbose_name="是否支持网上支付"),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="power_source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("statutory", "法定本级行使"),
                    ("devolved", "上级下放"),
                    ("authorised_up", "上级授权"),
                    ("authorised_peer", "同级授权"),
                    ("entrusted_up", "上级委托"),
                    ("entrusted_peer", "同级委托"),
                ],
                max_length=16,
                verbose_name="权力来源",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="quantity_limit",
            field=models.CharField(
                blank=True,
                help_text="留空表示无数量限制",
                max_length=500,
                validators=[yiwang.common.validators.PlainText("数量限制")],
                verbose_name="数量限制",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="result_name",
            field=models.CharField(
                blank=True,
                max_length=200,
                validators=[yiwang.common.validators.PlainText("审批结果名称")],
                verbose_name="审批结果名称",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="result_sample",
            field=models.FileField(
                blank=True, upload_to="catalog/results/", verbose_name="审批结果样本"
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="result_type",
            field=models.CharField(
                blank=True,
                choices=[("licence", "证照"), ("approval_document", "批文"), ("other", "其他")],
                max_length=20,
                verbose_name="审批结果类型",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="service_objects",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="natural_person / legal_person / …",
                verbose_name="服务对象",
            ),
        ),
        migrations.AddField(
            model_name="serviceitemversion",
            name="service_scope",
            field=models.CharField(
                choices=[
                    ("national", "全国通办"),
                    ("cross_province", "跨省通办"),
                    ("province", "省内通办"),
                    ("city", "市内通办"),
                    ("county", "县内通办"),
                ],
                default="county",
                max_length=16,
                verbose_name="通办范围",
            ),
        ),
        migrations.AlterField(
            model_name="material",
            name="count",
            field=models.PositiveSmallIntegerField(
                default=1,
                validators=[
                    django.core.validators.MinValueValidator(1, message="份数应在 1–99 份之间。"),
                    django.core.validators.MaxValueValidator(99, message="份数应在 1–99 份之间。"),
                ],
                verbose_name="份数",
            ),
        ),
        migrations.AlterField(
            model_name="processstep",
            name="limit_days",
            field=models.PositiveSmallIntegerField(
                default=0,
                validators=[
                    django.core.validators.MinValueValidator(
                        0, message="环节时限应在 0–3650 个工作日之间。"
                    ),
                    django.core.validators.MaxValueValidator(
                        3650, message="环节时限应在 0–3650 个工作日之间。"
                    ),
                ],
                verbose_name="环节时限（工作日）",
            ),
        ),
        migrations.AlterField(
            model_name="serviceitemversion",
            name="legal_limit",
            field=models.PositiveIntegerField(
                validators=[
                    django.core.validators.MinValueValidator(
                        0, message="法定办结时限应在 0–3650 个工作日之间。"
                    ),
                    django.core.validators.MaxValueValidator(
                        3650, message="法定办结时限应在 0–3650 个工作日之间。"
                    ),
                ],
                verbose_name="法定办结时限（工作日）",
            ),
        ),
        migrations.AlterField(
            model_name="serviceitemversion",
            name="promised_limit",
            field=models.PositiveIntegerField(
                validators=[
                    django.core.validators.MinValueValidator(
                        0, message="承诺办结时限应在 0–3650 个工作日之间。"
                    ),
                    django.core.validators.MaxValueValidator(
                        3650, message="承诺办结时限应在 0–3650 个工作日之间。"
                    ),
                ],
                verbose_name="承诺办结时限（工作日）",
            ),
        ),
        migrations.AlterField(
            model_name="serviceitemversion",
            name="visits",
            field=models.PositiveSmallIntegerField(
                validators=[
                    django.core.validators.MinValueValidator(
                        0, message="到办事现场次数应在 0–20 次之间。"
                    ),
                    django.core.validators.MaxValueValidator(
                        20, message="到办事现场次数应在 0–20 次之间。"
                    ),
                ],
                verbose_name="到办事现场次数",
            ),
        ),
        migrations.AlterField(
            model_name="specialprocedure",
            name="limit_days",
            field=models.PositiveSmallIntegerField(
                default=0,
                validators=[
                    django.core.validators.MinValueValidator(
                        0, message="特别程序时限应在 0–3650 个工作日之间。"
                    ),
                    django.core.validators.MaxValueValidator(
                        3650, message="特别程序时限应在 0–3650 个工作日之间。"
                    ),
                ],
                verbose_name="时限（工作日）",
            ),
        ),
        migrations.CreateModel(
            name="IntermediaryService",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(default=1, verbose_name="序号")),
                (
                    "name",
                    models.CharField(
                        max_length=200,
                        validators=[yiwang.common.validators.PlainText("中介服务名称")],
                        verbose_name="中介服务名称",
                    ),
                ),
                ("required", models.BooleanField(default=True, verbose_name="是否必需")),
                ("charged", models.BooleanField(default=False, verbose_name="是否收费")),
                (
                    "fee_basis",
                    models.CharField(
                        blank=True,
                        max_length=500,
                        validators=[yiwang.common.validators.PlainText("收费依据/标准")],
                        verbose_name="收费依据/标准",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="intermediaries",
                        to="catalog.serviceitemversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "中介服务",
                "verbose_name_plural": "中介服务",
                "ordering": ["version", "order", "id"],
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name="serviceitemversion",
            name="cross_province",
        ),
        migrations.RemoveField(
            model_name="serviceitemversion",
            name="in_province",
        ),
    ]
