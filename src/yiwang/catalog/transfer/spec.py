"""The catalogue sheet format (事项导入导出格式): sheets, columns, header aliases, the
material-list text form, and the import limits. Shared by the importer, the export and the
template; it imports neither."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from yiwang.catalog.fields import (
    BodyNature,
    DeliveryMethod,
    ExerciseLevel,
    OnlineDepth,
    PowerSource,
    ResultType,
    ServiceObject,
    ServiceScope,
)
from yiwang.catalog.models import (
    BusinessType,
    HandlingForm,
    HandlingKind,
    ItemType,
    Material,
    MaterialSource,
    Medium,
    OriginalOrCopy,
)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
# An xlsx is a zip: refuse archives that would inflate far beyond the upload limit.
MAX_INFLATION = 20
# A new base item needs a legal basis; this placeholder is what the demo county uses until the
# provincial base catalogue supplies the text.
DEFAULT_LEGAL_BASIS = "以省级政务服务事项基本目录公布的设定和实施依据为准"
# Locally generated base codes start with this, so they are easy to find and replace once the
# province assigns the real code.
GENERATED_CODE_PREFIX = "ZZ"
BUNDLE_CODE_PREFIX = "YJS"
IGNORED_SHEETS = frozenset({"说明", "填写说明", "readme"})


def import_max_bytes() -> int:
    """Largest file accepted (setting YIWANG_IMPORT_MAX_BYTES, default 5 MiB)."""
    return int(getattr(settings, "YIWANG_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def import_max_rows() -> int:
    """Most data rows one import may hold, every file and sheet together (setting
    YIWANG_IMPORT_MAX_ROWS, default 20,000). Reading stops at the first row beyond it."""
    return int(getattr(settings, "YIWANG_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


# --- The format: sheets, columns and their aliases ------------------------------------------

YES_NO = "Y 或 N（也可填 是/否），空白视为 N"


@dataclass(frozen=True)
class Column:
    """One column of an import sheet: internal key, header used in templates and exports,
    other accepted headers, and the explanation printed in the template's 说明 sheet."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    help: str = ""
    allowed: str = ""
    example: str = ""
    required: bool = False
    info: bool = False  # exported for reference, ignored on import
    legacy: bool = False  # accepted on import (old files), no longer exported or in templates


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str
    columns: tuple[Column, ...]
    signature: frozenset[str]  # keys whose presence identifies a table of this kind
    help: str = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def lookup(self) -> dict[str, Column]:
        table: dict[str, Column] = {}
        for column in self.columns:
            for name in (column.label, column.key, *column.aliases):
                table[normalize_header(name)] = column
        return table


def choice_labels(choices: Any) -> str:
    return "、".join(str(label) for label in choices.labels)


_ITEM_KEY_COLUMNS = (
    Column(
        "department",
        "实施部门",
        ("department", "部门"),
        "部门全称，须是系统中已登记的部门。",
        example="县市场监督管理局",
        required=True,
    ),
    Column(
        "name",
        "事项名称",
        ("name", "办理项名称", "业务办理项名称"),
        "办理项的名称（群众申请的那一项）。",
        example="食品经营许可（新办）",
        required=True,
    ),
    Column(
        "business_type",
        "业务办理项类型",
        ("business_type", "办理项类型"),
        "空白视为“新设”。",
        choice_labels(BusinessType),
        example="新设",
    ),
)

# The 生活场景 column of the 事项 and 一件事 sheets: one column, read and checked the same way
# (the cell as written; bound and plain-text check are the model field's, situations_field).
SITUATIONS = Column(
    "situations",
    "生活场景",
    ("situations", "办事场景"),
    "群众说法的办事场景，用空格分隔，用于智能导办；没有则留空。",
    example="开饭店 开小吃店 开奶茶店",
)

ITEMS = SheetSpec(
    kind="items",
    title="事项",
    help="每行一个办理项。同一实施部门、同一事项、同一业务办理项类型只能出现一次。",
    signature=frozenset({"name"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        _ITEM_KEY_COLUMNS[0],
        _ITEM_KEY_COLUMNS[1],
        Column(
            "base_code",
            "基本编码",
            ("base_code", "事项编码", "基本目录编码"),
            "省级基本目录编码。空白时沿用同名、同类型的基本目录事项；没有则按名称和类型生成以"
            f"“{GENERATED_CODE_PREFIX}”开头的临时编码。请把该列设为文本格式，以免丢失开头的 0。",
            example="000103001000",
        ),
        Column(
            "item_type",
            "事项类型",
            ("item_type", "type"),
            "",
            choice_labels(ItemType),
            example="行政许可",
            required=True,
        ),
        _ITEM_KEY_COLUMNS[2],
        Column(
            "competent_department",
            "主管部门",
            ("competent_department",),
            "空白时取基本目录的主管部门（新建基本目录事项时取实施部门）。",
            example="市场监督管理部门",
        ),
        Column(
            "implementing_body",
            "实施机关",
            ("implementing_body",),
            "空白时取基本目录的实施机关（新建时取实施部门）。",
            example="县市场监督管理局",
        ),
        Column(
            "legal_basis",
            "设定依据",
            ("legal_basis", "设定和实施依据", "实施依据"),
            f"空白时取基本目录的依据（新建时为“{DEFAULT_LEGAL_BASIS}”）。",
            example="《中华人民共和国食品安全法》第三十五条",
        ),
        Column("conditions", "受理条件", ("conditions", "申请条件"), example="持有营业执照"),
        Column("location", "办理地点", ("location",), example="示范县政务服务中心 7 号窗口"),
        Column("hours", "办理时间", ("hours",), example="工作日 8:30-12:00，14:30-17:30"),
        Column(
            "legal_limit",
            "法定时限",
            ("legal_days", "legal_limit", "法定办结时限"),
            "工作日数。新事项必填；0 表示无法定时限。",
            "不小于 0 的整数",
            example="20",
        ),
        Column(
            "promised_limit",
            "承诺时限",
            ("promised_days", "promised_limit", "承诺办结时限"),
            "工作日数，不得超过法定时限；即办件为 0（可留空）。",
            "不小于 0 的整数",
            example="10",
        ),
        Column(
            "handling_kind",
            "办件类型",
            ("handling_kind",),
            "也可改用“即办”列（Y/N）。",
            choice_labels(HandlingKind),
            example="承诺件",
        ),
        Column("instant", "即办", ("instant", "是否即办"), "Y 为即办件。", YES_NO),
        Column(
            "visits",
            "到现场次数",
            ("onsite_visits", "visits", "到办事现场次数", "跑动次数"),
            "新事项必填。",
            "不小于 0 的整数",
            example="1",
        ),
        Column(
            "handling_forms",
            "办理形式",
            ("handling_forms",),
            "可填多个，用“、”分隔。",
            choice_labels(HandlingForm),
            example="窗口办理、网上办理",
        ),
        Column(
            "online",
            "网办",
            ("online",),
            "能否网上办理（简写，不是“网上办理深度”列）：全程网办（同时设全程网办为 Y，网上办理深度"
            "为四级），网上预审（办理形式含网上办理），"
            "窗口办理（不能网上办理）。可代替“办理形式”和“全程网办”两列。",
            "全程网办、网上预审、窗口办理",
        ),
        Column(
            "fully_online",
            "全程网办",
            ("fully_online",),
            "与“网上办理深度”一致：四级即全程网办；全程网办事项的到现场次数应为 0。",
            YES_NO,
            example="N",
        ),
        Column(
            "online_depth",
            "网上办理深度",
            ("online_depth",),
            "四级即全程网办。只填“全程网办”列时按它设定（Y 为四级）。空白时保持不变。"
            "也可只写“一级”至“四级”或 1–4。",
            choice_labels(OnlineDepth),
            example="三级（网上预审、网上受理）",
        ),
        Column(
            "service_scope",
            "通办范围",
            ("service_scope",),
            "空白时保持不变（新事项为县内通办）。旧格式的“跨省通办”“省内通办”两列仍可导入，"
            "换算为通办范围（跨省通办 Y 为跨省通办，省内通办 Y 为省内通办，都为 N 是县内通办）。",
            choice_labels(ServiceScope),
            example="省内通办",
        ),
        Column(
            "cross_province",
            "跨省通办",
            ("cross_province",),
            "旧格式的列，导入时换算为“通办范围”；导出不再包含。",
            YES_NO,
            legacy=True,
        ),
        Column(
            "in_province",
            "省内通办",
            ("in_province",),
            "旧格式的列，导入时换算为“通办范围”；导出不再包含。",
            YES_NO,
            legacy=True,
        ),
        Column(
            "service_objects",
            "服务对象",
            ("service_objects",),
            "谁可以申请。可填多个，用“、”或“；”分隔；“法人”即企业法人、事业法人、社会组织法人。",
            choice_labels(ServiceObject),
            example="自然人、法人（企业法人/事业法人/社会组织法人）",
        ),
        Column(
            "exercise_level",
            "行使层级",
            ("exercise_level",),
            "",
            choice_labels(ExerciseLevel),
            example="县级",
        ),
        Column(
            "body_nature",
            "实施主体性质",
            ("body_nature",),
            "受委托组织须填写“委托部门”。",
            choice_labels(BodyNature),
            example="法定机关",
        ),
        Column(
            "entrusting_department",
            "委托部门",
            ("entrusting_department",),
            "实施主体性质为受委托组织时必填（如“滁州市市场监督管理局”），否则留空。",
        ),
        Column(
            "joint_bodies",
            "联办机构",
            ("joint_bodies",),
            "多个机构用“、”分隔；没有则留空。",
            example="县税务局",
        ),
        Column(
            "power_source",
            "权力来源",
            ("power_source",),
            "",
            choice_labels(PowerSource),
            example="法定本级行使",
        ),
        Column(
            "quantity_limit",
            "数量限制",
            ("quantity_limit",),
            "留空表示无数量限制。",
            example="按本县零售点布局规划控制数量",
        ),
        SITUATIONS,
        Column(
            "result_type",
            "审批结果类型",
            ("result_type",),
            "",
            choice_labels(ResultType),
            example="证照",
        ),
        Column(
            "result_name",
            "审批结果名称",
            ("result_name",),
            "发布前必填；新事项空白时取事项名称。审批结果样本文件不导入，请在事项编制页上传。",
            example="《食品经营许可证》",
        ),
        Column(
            "delivery_methods",
            "结果送达方式",
            ("delivery_methods",),
            "可填多个，用“、”或“；”分隔。",
            choice_labels(DeliveryMethod),
            example="窗口领取、邮寄送达",
        ),
        Column(
            "online_payment",
            "是否支持网上支付",
            ("online_payment", "网上支付"),
            "仅收费事项可填 Y。",
            YES_NO,
            example="N",
        ),
        Column("express_delivery", "物流快递", ("express_delivery",), allowed=YES_NO, example="Y"),
        Column("appointment", "预约办理", ("appointment",), allowed=YES_NO, example="Y"),
        Column(
            "in_hall",
            "进驻大厅",
            ("in_hall", "进驻政务服务大厅"),
            allowed=YES_NO,
            example="Y",
        ),
        Column(
            "commitment_based",
            "告知承诺",
            ("commitment_based", "告知承诺制"),
            allowed=YES_NO,
            example="N",
        ),
        Column(
            "self_service_24h",
            "7×24自助",
            ("self_service_24h", "7x24自助", "7*24自助"),
            allowed=YES_NO,
            example="N",
        ),
        Column("has_fee", "是否收费", ("has_fee", "收费"), allowed=YES_NO, example="N"),
        Column("fee_standard", "收费标准", ("fee_standard",)),
        Column("fee_basis", "收费依据", ("fee_basis",)),
        Column("faq", "常见问题", ("faq",)),
        Column("consult_phone", "咨询方式", ("consult_phone", "咨询电话"), example="0550-12345"),
        Column(
            "complaint_channel",
            "监督投诉方式",
            ("complaint_channel", "投诉方式", "监督投诉电话"),
            example="12345 政务服务便民热线",
        ),
        Column(
            "materials",
            "申请材料",
            ("materials",),
            "多个材料用“；”分隔；每个材料可在括号里写属性，如“营业执照（复印件，1份）”，可写："
            "原件/复印件/原件和复印件、N份、纸质/电子、申请人自备/政府部门核发、必要/非必要、"
            "容缺、免提交。只写名称时，已有同名材料的其他属性保持不变。"
            "“申请材料”表里列出了的事项以该表为准。",
            example="食品经营许可申请书（原件，1份）；营业执照（复印件，1份）",
        ),
        Column(
            "form_fields",
            "申请表字段",
            ("form_fields",),
            "技术字段：申请表的字段，JSON 数组，如 "
            '[{"key": "entity_name", "label": "单位名称", "type": "text"}]。可留空。',
        ),
        Column("version", "版本号", ("version",), "导出时附带，导入时忽略。", info=True),
        Column(
            "version_status", "版本状态", ("version_status",), "导出时附带，导入时忽略。", info=True
        ),
        Column("status", "事项状态", ("status",), "导出时附带，导入时忽略。", info=True),
        Column("remarks", "备注", ("remarks", "notes"), "任意说明，导入时忽略。", info=True),
    ),
)

_CHILD_HELP = "按“实施部门 + 事项名称 + 业务办理项类型”对应“事项”表中的行。"

MATERIALS = SheetSpec(
    kind="materials",
    title="申请材料",
    help="每行一个申请材料（可选）。" + _CHILD_HELP + "某事项在本表有材料时，以本表为准。",
    signature=frozenset({"material"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        *_ITEM_KEY_COLUMNS,
        Column("order", "序号", ("order",), "材料顺序；空白按行的顺序。", "正整数"),
        Column(
            "material",
            "材料名称",
            ("material",),
            "具体写明材料，不用“其他材料”“相关材料”等笼统说法。",
            example="营业执照",
            required=True,
        ),
        Column(
            "original_or_copy",
            "原件/复印件",
            ("original_or_copy", "原件或复印件", "材料类型"),
            "空白为原件。",
            choice_labels(OriginalOrCopy),
            example="复印件",
        ),
        Column("count", "份数", ("count",), "空白为 1。", "正整数", example="1"),
        Column(
            "medium",
            "材料形式",
            ("medium",),
            "空白为纸质或电子。",
            choice_labels(Medium),
            example="纸质",
        ),
        Column(
            "source",
            "来源渠道",
            ("source", "来源"),
            "空白为申请人自备。",
            choice_labels(MaterialSource),
            example="政府部门核发",
        ),
        Column("issuing_body", "出具单位", ("issuing_body",), example="市场监督管理部门"),
        Column(
            "required",
            "必要材料",
            ("required", "是否必要"),
            "",
            "Y 或 N（也可填 是/否），空白视为 Y",
        ),
        Column("deferrable", "可容缺", ("deferrable", "容缺"), allowed=YES_NO),
        Column("exempt", "免提交", ("exempt",), "可通过共享或电子证照获取。", YES_NO),
        Column("notes", "填报须知", ("notes", "备注")),
    ),
)

STEPS = SheetSpec(
    kind="steps",
    title="办理流程",
    help="每行一个办理环节（可选）。" + _CHILD_HELP + "某事项在本表有环节时，以本表为准。",
    signature=frozenset({"step"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        *_ITEM_KEY_COLUMNS,
        Column("order", "序号", ("order",), "环节顺序；空白按行的顺序。", "正整数"),
        Column("step", "环节", ("step", "环节名称"), example="受理", required=True),
        Column("role", "办理人员", ("role",), example="窗口工作人员"),
        Column(
            "limit_days",
            "环节时限",
            ("limit_days", "时限"),
            "工作日数，空白为 0。",
            "不小于 0 的整数",
        ),
    ),
)

PROCEDURES = SheetSpec(
    kind="procedures",
    title="特别程序",
    help="每行一个特别程序（可选）。" + _CHILD_HELP + "某事项在本表有特别程序时，以本表为准。",
    signature=frozenset({"procedure"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        *_ITEM_KEY_COLUMNS,
        Column(
            "procedure",
            "特别程序",
            ("procedure", "特别程序名称"),
            example="现场核查",
            required=True,
        ),
        Column("limit_days", "时限", ("limit_days",), "工作日数，空白为 0。", "不小于 0 的整数"),
        Column("legal_basis", "依据", ("legal_basis",)),
        Column("counted_in_limit", "计入办结时限", ("counted_in_limit",), allowed=YES_NO),
    ),
)

INTERMEDIARIES = SheetSpec(
    kind="intermediaries",
    title="中介服务",
    help="每行一个中介服务（可选）。" + _CHILD_HELP + "某事项在本表有中介服务时，以本表为准。",
    signature=frozenset({"intermediary"}),
    columns=(
        Column(
            "item_code", "实施编码", ("code", "item_code"), "导出时附带，导入时忽略。", info=True
        ),
        *_ITEM_KEY_COLUMNS,
        Column("order", "序号", ("order",), "中介服务顺序；空白按行的顺序。", "正整数"),
        Column(
            "intermediary",
            "中介服务名称",
            ("intermediary", "中介服务", "中介服务事项名称"),
            example="建设工程设计方案编制",
            required=True,
        ),
        Column(
            "required",
            "是否必需",
            ("required", "必需"),
            "",
            "Y 或 N（也可填 是/否），空白视为 Y",
        ),
        Column("charged", "是否收费", ("charged", "收费"), allowed=YES_NO),
        Column(
            "fee_basis",
            "收费依据/标准",
            ("fee_basis", "收费依据", "收费标准"),
            example="市场调节价，由委托双方约定",
        ),
    ),
)

BUNDLES = SheetSpec(
    kind="bundles",
    title="一件事",
    help="每行是一件事某一阶段中的一个事项（可选，仅数据资源局可导入）。同一阶段的事项并联办理。",
    signature=frozenset({"bundle", "stage"}),
    columns=(
        Column(
            "code", "一件事编码", ("bundle_code",), f"空白时按顺序生成 {BUNDLE_CODE_PREFIX}001 等。"
        ),
        Column(
            "bundle", "一件事", ("bundle", "一件事名称"), example="开办餐饮店一件事", required=True
        ),
        Column(
            "stage",
            "阶段",
            ("stage",),
            "第几阶段，从 1 开始。",
            "正整数",
            example="1",
            required=True,
        ),
        Column(
            "item",
            "事项名称",
            ("item", "事项", "name"),
            "事项表中或系统中已有的事项名称。",
            example="个体工商户设立登记",
            required=True,
        ),
        Column(
            "department",
            "实施部门",
            ("department", "部门"),
            "有同名事项时必填，用来区分。",
            example="县市场监督管理局",
        ),
        Column("lead_department", "牵头部门", ("lead_department",), "空白为数据资源管理局。"),
        Column("summary", "简介", ("summary",)),
        SITUATIONS,
    ),
)

# Checked in this order: the first whose signature keys are all present claims the table.
SHEETS: tuple[SheetSpec, ...] = (BUNDLES, MATERIALS, STEPS, PROCEDURES, INTERMEDIARIES, ITEMS)


def normalize_header(text: Any) -> str:
    """Headers match case-, width- and space-insensitively; a trailing note in brackets is
    dropped, so “法定时限（工作日）” and “即办(Y/N)” match 法定时限 and 即办."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    value = re.sub(r"\s+", "", value).lstrip("*")
    return re.sub(r"\([^()]*\)$", "", value) or value


def format_material(material: Material) -> str:
    """The short form used in the items sheet's 申请材料 column."""
    return f"{material.name}（{material.get_original_or_copy_display()}，{material.count}份）"
