"""证照归集 (licenses.gathering): xlsx and CSV files of a department's licences, all or nothing
with a per-row report; re-sending changes nothing; a changed licence becomes a new version."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from tests import factories
from yiwang.audit.models import AuditEvent
from yiwang.licenses import gathering, services
from yiwang.licenses.models import License, LicenseOrigin, LicenseStatus
from yiwang.licenses.verification import verify_record

pytestmark = pytest.mark.django_db

HEADER = [*gathering.COLUMNS, "经营场所", "从业人员", "网络经营", "核发日期"]


def person_row(code, number, *, name="张三", id_number=None, place="人民路 1 号", **extra):
    row = {
        "证照类型代码": code,
        "原系统证照编号": number,
        "持证主体类型": "自然人",
        "持证主体名称": name,
        "身份证号码": id_number or factories.id_number(),
        "统一社会信用代码": "",
        "有效期起": "2025-03-01",
        "有效期至": "2030-02-28",
        "状态": "有效",
        "状态原因": "",
        "经营场所": place,
        "从业人员": "3",
        "网络经营": "否",
        "核发日期": "2025-03-01",
    }
    row.update(extra)
    return row


def enterprise_row(code, number, **extra):
    row = person_row(code, number, name="示范县好味餐饮有限公司", id_number="")
    row.update(
        {"持证主体类型": "法人和其他组织", "身份证号码": "", "统一社会信用代码": factories.uscc()}
    )
    row.update(extra)
    return row


def csv_bytes(rows, *, encoding="utf-8", bom=False, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    text = out.getvalue()
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "证照"
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h, "") for h in header])
    # Dates as real date cells, as departments' exports write them.
    for r in range(2, len(rows) + 2):
        cell = sheet.cell(row=r, column=HEADER.index("有效期起") + 1)
        cell.value = dt.date.fromisoformat(cell.value) if cell.value else None
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def gather(issuer, data, name="licences.csv", **kwargs):
    return gathering.gather_file(department=issuer, filename=name, data=data, **kwargs)


def test_csv_gathers_sealed_licences_of_origin_gathered(issuer, license_type):
    rows = [person_row(license_type.code, "SC-0001"), enterprise_row(license_type.code, "SC-0002")]
    result = gather(issuer, csv_bytes(rows))
    assert result.ok, result.errors
    assert (result.created, result.unchanged, result.changed) == (2, 0, 0)
    licences = License.objects.order_by("source_number")
    assert [x.source_number for x in licences] == ["SC-0001", "SC-0002"]
    first = licences[0]
    assert first.origin == LicenseOrigin.GATHERED
    assert first.fields == {
        "经营场所": "人民路 1 号",
        "从业人员": 3,
        "网络经营": False,
        "核发日期": "2025-03-01",
    }
    assert first.valid_from == dt.date(2025, 3, 1)
    assert first.seal_key.department == issuer
    assert verify_record(first).valid
    assert sorted(result.identifiers) == sorted(x.identifier for x in licences)
    assert AuditEvent.objects.filter(action="licenses.gather").count() == 1


def test_xlsx_with_date_cells(issuer, license_type):
    result = gather(
        issuer, xlsx_bytes([person_row(license_type.code, "X-1")]), name="licences.xlsx"
    )
    assert result.ok, result.errors
    assert License.objects.get().valid_from == dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False)]
)
def test_csv_encodings(issuer, license_type, encoding, bom):
    data = csv_bytes(
        [person_row(license_type.code, "E-1", name="欧阳娜娜")], encoding=encoding, bom=bom
    )
    result = gather(issuer, data)
    assert result.ok, result.errors
    assert License.objects.get().holder_name == "欧阳娜娜"


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported(issuer, license_type):
    code = license_type.code
    rows = [
        person_row(code, "B-1"),
        person_row(code, "B-2", 身份证号码="110101199001011234"),  # wrong check digit
        person_row(code, "B-3", 有效期起="2025-02-30"),
        person_row(code, "B-4", 经营场所=""),  # required field of the type
        person_row(code, "B-1"),  # duplicate within the file
        person_row(code, "B-6", 持证主体类型="个体"),
        person_row(code, "B-7", 状态="作废"),
        person_row(code, "B-8", 从业人员="三"),
        person_row(code, "B-9", 有效期至="2020-01-01"),
    ]
    result = gather(issuer, csv_bytes(rows))
    assert not result.ok
    assert License.objects.count() == 0
    assert (
        not AuditEvent.objects.filter(action__startswith="licenses.")
        .exclude(action__in=["licenses.type_create", "licenses.seal_key_rotate"])
        .exists()
    )
    by_row = {e.row: e for e in result.errors}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert by_row[3].column == "身份证号码" and "校验" in by_row[3].message
    assert by_row[4].column == "有效期起" and "日期" in by_row[4].message
    assert by_row[5].column == "经营场所" and "经营场所" in by_row[5].message
    assert by_row[6].column == "原系统证照编号" and "第 2 行重复" in by_row[6].message
    assert by_row[7].column == "持证主体类型"
    assert by_row[8].column == "状态" and "作废" in by_row[8].message
    assert by_row[9].column == "从业人员" and "整数" in by_row[9].message
    assert by_row[10].column == "有效期至"
    for error in result.errors:
        assert error.message.endswith("。"), error


def test_resending_the_same_file_changes_nothing(issuer, license_type):
    data = csv_bytes(
        [
            person_row(license_type.code, "R-1", id_number=factories.id_number()),
            enterprise_row(license_type.code, "R-2"),
        ]
    )
    first = gather(issuer, data)
    assert first.created == 2
    before = list(License.objects.values_list("pk", "identifier", "signature", "status"))
    events = AuditEvent.objects.count()
    again = gather(issuer, data)
    assert again.ok
    assert (again.created, again.unchanged, again.changed) == (0, 2, 0)
    assert list(License.objects.values_list("pk", "identifier", "signature", "status")) == before
    assert AuditEvent.objects.count() == events


def test_changed_content_is_a_new_version_and_the_old_one_expires(issuer, license_type):
    number = factories.id_number()
    gather(issuer, csv_bytes([person_row(license_type.code, "C-1", id_number=number)]))
    old = License.objects.get()
    moved = csv_bytes([person_row(license_type.code, "C-1", id_number=number, place="解放路 9 号")])
    result = gather(issuer, moved)
    assert result.ok, result.errors
    assert (result.created, result.changed) == (0, 1)
    new = License.objects.get(version=2)
    old.refresh_from_db()
    assert new.previous == old and new.serial == old.serial
    assert new.fields["经营场所"] == "解放路 9 号"
    assert old.status == LicenseStatus.EXPIRED and new.identifier in old.status_reason
    assert new.status == LicenseStatus.VALID
    # …and sending the changed file again changes nothing more.
    again = gather(issuer, moved)
    assert (again.unchanged, again.changed) == (1, 0)
    assert License.objects.count() == 2


def test_status_ended_in_the_department_system_follows(issuer, license_type):
    number = factories.id_number()
    gather(issuer, csv_bytes([person_row(license_type.code, "S-1", id_number=number)]))
    revoked = csv_bytes(
        [person_row(license_type.code, "S-1", id_number=number, 状态="吊销", 状态原因="违法经营")]
    )
    result = gather(issuer, revoked)
    assert result.changed == 1
    license = License.objects.get()
    assert license.status == LicenseStatus.WITHDRAWN and license.status_reason == "违法经营"
    assert gather(issuer, revoked).unchanged == 1
    # An ended licence does not come back as valid: refused, nothing written.
    back = gather(issuer, csv_bytes([person_row(license_type.code, "S-1", id_number=number)]))
    assert not back.ok and back.errors[0].column == "原系统证照编号"
    assert "已吊销" in back.errors[0].message
    license.refresh_from_db()
    assert license.status == LicenseStatus.WITHDRAWN


def test_other_departments_type_is_refused(issuer, license_type):
    other = factories.department("示范县卫生健康局")
    services.seal_key_rotate(department=other)
    theirs = services.license_type_create(
        code=factories.uscc() + "002", name="医师执业证书", department=other, fields=[]
    )
    header = list(gathering.COLUMNS)
    rows = [person_row(license_type.code, "O-1"), person_row(theirs.code, "O-2")]
    result = gather(issuer, csv_bytes(rows, header=[*header, "经营场所"]))
    assert [(e.row, e.column) for e in result.errors] == [(3, "证照类型代码")]
    assert "医师执业证书" in result.errors[0].message
    assert "示范县卫生健康局" in result.errors[0].message
    assert License.objects.count() == 0
    unknown = gather(issuer, csv_bytes([person_row("X" * 21, "O-3")]))
    assert "不存在" in unknown.errors[0].message


def test_field_the_type_does_not_have(issuer, license_type):
    header = [*HEADER, "注册资本"]
    result = gather(
        issuer, csv_bytes([person_row(license_type.code, "F-1", 注册资本="100")], header=header)
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "注册资本")]


def test_dry_run_writes_nothing(issuer, license_type):
    result = gather(issuer, csv_bytes([person_row(license_type.code, "D-1")]), dry_run=True)
    assert result.ok and result.created == 1 and result.dry_run
    assert License.objects.count() == 0


def test_department_without_a_seal_key(license_type, issuer):
    from yiwang.licenses.models import SealKey

    SealKey.objects.filter(department=issuer).update(
        retired_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    result = gather(issuer, csv_bytes([person_row(license_type.code, "K-1")]))
    assert not result.ok and "签章密钥" in result.errors[0].message
    assert License.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "空"),
        (b"%PDF-1.7\n\x00\x01binary", "无法"),
        ("名称,地址\n甲,乙\n".encode(), "证照类型代码"),
        (b"PK\x03\x04" + b"\x00" * 40, "Excel"),
    ],
)
def test_unreadable_files(issuer, data, words):
    with pytest.raises(gathering.GatherFileError) as caught:
        gather(issuer, data, name="bad.csv")
    assert words in str(caught.value) and "[" not in str(caught.value)


def test_size_and_row_limits(issuer, license_type, settings):
    settings.YIWANG_LICENSE_GATHER_MAX_BYTES = 100
    with pytest.raises(gathering.GatherFileError, match="超过上限"):
        gather(issuer, csv_bytes([person_row(license_type.code, "L-1")]))
    settings.YIWANG_LICENSE_GATHER_MAX_BYTES = 5 * 1024 * 1024
    settings.YIWANG_LICENSE_GATHER_MAX_ROWS = 2
    rows = [person_row(license_type.code, f"L-{n}") for n in range(3)]
    with pytest.raises(gathering.GatherFileError, match="上限"):
        gather(issuer, csv_bytes(rows))


def test_template_has_the_columns_and_the_types_fields(license_type):
    data = gathering.template_csv([license_type])
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == HEADER
