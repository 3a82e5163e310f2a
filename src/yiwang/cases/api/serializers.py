"""Case API bodies and answers. Request bodies derive from BodySerializer (JSON types held to the
schema); the rules are the services'. Answers are built by cases.api.presenting and described
here for the schema. Personal data (the applicant's ID and phone, form fields of those types,
the EMS recipient's phone) is masked in every answer."""

from __future__ import annotations

from rest_framework import serializers

from yiwang.cases.fields import (
    MAX_FORM_TEXTAREA,
    MAX_REASON,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    NoticeKind,
    PaymentStatus,
    SpecialProcedureKind,
    VerificationStatus,
    WarningLevel,
)
from yiwang.common.serializers import BodySerializer

# Longest free text a body takes (reasons, notes): the services' own limit (MAX_REASON × 4).
MAX_TEXT = MAX_REASON * 4
MAX_ORDER = 999  # a material's order in an item version


def _text(label: str, *, required: bool = False, max_length: int = MAX_TEXT) -> serializers.Field:
    if required:
        return serializers.CharField(max_length=max_length, help_text=label)
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length, help_text=label
    )


# --- Request bodies -----------------------------------------------------------------------------


class CaseDeliveryBodySerializer(BodySerializer):
    method = serializers.ChoiceField(choices=Delivery.choices, help_text="送达方式")
    recipient = _text("收件人（EMS 必填）", max_length=64)
    phone = _text("收件人电话（EMS 必填）", max_length=20)
    address = _text("邮寄地址（EMS 必填）", max_length=MAX_REASON)


class CaseCreateSerializer(BodySerializer):
    item = serializers.CharField(
        max_length=80, required=False, help_text="事项实施编码（与 bundle 二选一）"
    )
    bundle = serializers.CharField(
        max_length=40,
        required=False,
        help_text="一件事编码：申请一件事（合并申请表 form，各事项子办件逐阶段办理）",
    )
    form = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=MAX_FORM_TEXTAREA),
        required=False,
        default=dict,
        help_text="申请表：栏目键 → 值（见事项的 form_fields）；草稿可以只填一部分",
    )
    delivery = CaseDeliveryBodySerializer(required=False, help_text="结果送达方式；默认窗口领取")
    commitment = serializers.BooleanField(
        required=False, default=False, help_text="告知承诺（仅实行告知承诺制的事项）"
    )
    applicant = serializers.IntegerField(
        required=False, min_value=1, help_text="申请人 id（仅工作人员代录时填写）"
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text="申请渠道：工作人员为 window（默认）、kiosk 或 assisted；申请人经接口为 mobile",
    )
    consent = _text("申请人授权说明（帮办代办必填）", max_length=MAX_REASON)


class CaseUpdateSerializer(BodySerializer):
    form = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=MAX_FORM_TEXTAREA),
        required=False,
        help_text="要修改的申请表栏目（其余不变；空值清除该栏目）",
    )
    delivery = CaseDeliveryBodySerializer(required=False)
    commitment = serializers.BooleanField(required=False)


class CaseMaterialUploadSerializer(BodySerializer):
    material = serializers.IntegerField(
        min_value=1, max_value=MAX_ORDER, help_text="材料在事项版本中的序号（order）"
    )
    # A missing or empty file is refused like a file of the wrong type (422), not as a schema
    # error: an empty part reaches the view as no file at all.
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="PDF、JPEG、PNG、docx 或 xlsx（按内容判断；必填）",
    )


class CaseNoteSerializer(BodySerializer):
    note = _text("备注")


class CaseReasonSerializer(BodySerializer):
    reason = _text("理由", required=True)


class CaseOptionalReasonSerializer(BodySerializer):
    reason = _text("原因")


class CaseAcceptSerializer(BodySerializer):
    deferred = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ORDER),
        required=False,
        default=list,
        max_length=50,
        help_text="容缺受理的材料序号（缺少且允许容缺的材料）",
    )
    note = _text("备注")


class CaseCorrectionEntrySerializer(BodySerializer):
    order = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ORDER, help_text="材料序号"
    )
    name = _text("其他需补正的事项（不是材料时填写）", max_length=200)
    note = _text("需要补正的内容", required=True)


class CaseCorrectionSerializer(BodySerializer):
    entries = CaseCorrectionEntrySerializer(
        many=True, help_text="需要补正的全部内容（一次性告知）：每条给 order 或 name，以及 note"
    )
    note = _text("说明")


class CaseDecideSerializer(BodySerializer):
    decision = serializers.ChoiceField(choices=Decision.choices, help_text="准予或不予")
    reason = _text("理由（不予时必填）")
    basis = _text("法律依据（不予时必填）")
    fee = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="应缴金额（元；收费事项准予时必填）",
    )


class CasePauseSerializer(BodySerializer):
    kind = serializers.ChoiceField(choices=SpecialProcedureKind.choices, help_text="特别程序类别")
    reason = _text("事由", required=True, max_length=MAX_REASON)
    limit_days = serializers.IntegerField(min_value=1, max_value=365, help_text="时限（工作日）")


class CaseDeliverSerializer(BodySerializer):
    tracking_number = _text("EMS 邮件号（邮寄送达必填）", max_length=40)


class CaseHandOutSerializer(BodySerializer):
    collected_by = _text("领取人姓名", required=True, max_length=64)
    collector_id_number = _text("领取人身份证号码（综合窗口出件时必填）", max_length=20)
    id_checked = serializers.BooleanField(
        required=False, default=False, help_text="已核验领取人身份证件（综合窗口出件时必须为 true）"
    )


class CasePaperSerializer(BodySerializer):
    material = serializers.IntegerField(
        min_value=1, max_value=MAX_ORDER, help_text="材料在事项版本中的序号（order）"
    )
    received = serializers.BooleanField(
        required=False, default=True, help_text="纸质原件已收（false：撤销登记）"
    )


class CaseVerifySerializer(BodySerializer):
    confirmed = serializers.BooleanField(help_text="承诺属实（false：承诺不实）")
    note = _text("核查情况", required=True)


# --- Answers ------------------------------------------------------------------------------------


class CaseApplicantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    id_number = serializers.CharField(help_text="身份证号码（脱敏）")
    uscc = serializers.CharField(help_text="统一社会信用代码")
    phone = serializers.CharField(help_text="手机号码（脱敏）")


class CaseTransitionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="动作，如 accept、not_accept")
    label = serializers.CharField()  # type: ignore[assignment]
    path = serializers.CharField(help_text="POST 的路径，如 /api/cases/12/not-accept/")


class CaseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="办件编号")
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_label = serializers.CharField()
    item = serializers.CharField(help_text="事项实施编码")
    item_name = serializers.CharField()
    department = serializers.CharField(help_text="办理部门名称")
    department_id = serializers.IntegerField()
    applicant = CaseApplicantSerializer()
    channel = serializers.ChoiceField(choices=Channel.choices)
    channel_label = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_on = serializers.DateField(allow_null=True)
    legal_deadline = serializers.DateField(allow_null=True)
    promised_deadline = serializers.DateField(allow_null=True)
    warning = serializers.ChoiceField(choices=WarningLevel.choices, allow_blank=True)
    ever_overdue = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class CaseHistoryEntrySerializer(serializers.Serializer):
    who = serializers.CharField(help_text="操作人（系统操作为“系统”）")
    when = serializers.DateTimeField()
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    to = serializers.CharField(allow_blank=True, help_text="新状态")
    note = serializers.CharField(allow_blank=True)


# "from" is a Python keyword: declared after the class body.
CaseHistoryEntrySerializer._declared_fields["from"] = serializers.CharField(
    allow_blank=True, help_text="原状态"
)


class CaseMaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    name = serializers.CharField()
    file_name = serializers.CharField(allow_blank=True)
    content_type = serializers.CharField(allow_blank=True)
    size = serializers.IntegerField()
    paper = serializers.BooleanField(help_text="纸质原件已收")
    deferred = serializers.BooleanField(help_text="容缺（待补交）")
    supply_due = serializers.DateField(allow_null=True, help_text="补交期限")
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.CharField(allow_null=True)


class CaseRequiredMaterialSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    name = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    deferrable = serializers.BooleanField(help_text="可容缺")
    exempt = serializers.BooleanField(help_text="免提交（部门通过数据共享获取）")


class CaseNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    kind_label = serializers.CharField()
    number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    download_url = serializers.CharField()


class CasePaymentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    basis = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=PaymentStatus.choices, allow_blank=True)
    paid_at = serializers.DateTimeField(allow_null=True)


class CaseCorrectionAnswerSerializer(serializers.Serializer):
    entries = serializers.ListField(child=serializers.DictField())
    note = serializers.CharField(allow_blank=True)
    requested_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class CaseSpecialProcedureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SpecialProcedureKind.choices)
    reason = serializers.CharField()
    limit_days = serializers.IntegerField()
    started_on = serializers.DateField()
    due_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)


class CaseDeliveryAnswerSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Delivery.choices)
    recipient = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True, help_text="收件人电话（脱敏）")
    address = serializers.CharField(allow_blank=True)
    tracking_number = serializers.CharField(allow_blank=True)
    collected_by = serializers.CharField(allow_blank=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class CaseVerificationSerializer(serializers.Serializer):
    due_on = serializers.DateField(help_text="核查期限")
    status = serializers.ChoiceField(choices=VerificationStatus.choices)
    note = serializers.CharField(allow_blank=True)
    done_at = serializers.DateTimeField(allow_null=True)


class CaseDetailSerializer(CaseSummarySerializer):
    form = serializers.DictField(
        child=serializers.CharField(allow_blank=True), help_text="申请表（身份证号码、电话脱敏）"
    )
    delivery = CaseDeliveryAnswerSerializer()
    commitment = serializers.BooleanField()
    commitment_signed_at = serializers.DateTimeField(allow_null=True)
    received_on = serializers.DateField(allow_null=True)
    deemed_accepted = serializers.BooleanField(help_text="视为受理（第三十二条）")
    not_accepted_reason = serializers.CharField(allow_blank=True)
    step = serializers.CharField(allow_null=True, help_text="当前审查环节")
    paused = serializers.BooleanField(help_text="特别程序中，计时暂停")
    paused_working_days = serializers.IntegerField(help_text="不计入时限的工作日（特别程序）")
    extended = serializers.BooleanField()
    extension_reason = serializers.CharField(allow_blank=True)
    delivery_deadline = serializers.DateField(allow_null=True)
    calendar_warning = serializers.CharField(
        allow_null=True, help_text="时限涉及的年份尚无确认的节假日安排时的提示；无则为 null"
    )
    decision = serializers.ChoiceField(choices=Decision.choices, allow_blank=True)
    decision_reason = serializers.CharField(allow_blank=True)
    decision_basis = serializers.CharField(allow_blank=True)
    concluded_on = serializers.DateField(allow_null=True)
    fee_amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    payment_status = serializers.ChoiceField(choices=PaymentStatus.choices, allow_blank=True)
    payment = CasePaymentSerializer(allow_null=True)
    history = CaseHistoryEntrySerializer(many=True)
    materials = CaseMaterialSerializer(many=True, help_text="已提交的材料（当前有效的）")
    required_materials = CaseRequiredMaterialSerializer(many=True, help_text="事项版本的申请材料")
    notices = CaseNoticeSerializer(many=True)
    corrections = CaseCorrectionAnswerSerializer(many=True)
    special_procedures = CaseSpecialProcedureSerializer(many=True)
    verification = CaseVerificationSerializer(
        allow_null=True, help_text="告知承诺核查（准予后开启），或 null"
    )
    transitions = CaseTransitionSerializer(many=True, help_text="调用者现在可以执行的动作")
    updated_at = serializers.DateTimeField()
