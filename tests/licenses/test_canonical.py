"""The canonical serialisation: the worked example of docs/licenses.md byte for byte (and its
SM3 and example seal, checked with gmalg too), the RFC 8785 rules that matter (member order,
escapes, numbers), and the refusals that keep two different files from verifying alike."""

from __future__ import annotations

import copy
import json
import unicodedata
from pathlib import Path

import gmalg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.common.crypto import sm3_hex
from yiwang.licenses import canonical, sealing
from yiwang.licenses.canonical import (
    CanonicalError,
    canonical_bytes,
    jcs,
    normalise,
    signed_content,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "licenses.md"

EXAMPLE = {
    "identifier": "1.2.156.3005.2.11100000MB0143028R001.11341122MB1A2B3CX9.2026000123.001.M",
    "type": {"code": "11100000MB0143028R001", "name": "食品经营许可证"},
    "issuer": {"uscc": "11341122MB1A2B3CX9", "name": "示范县市场监督管理局"},
    "holder": {"kind": "person", "name": "张三", "id_number": "3401**********1234"},
    "fields": {
        "经营者名称": "示范县张三小吃店",
        "经营场所": "示范县人民路 1 号",
        "主体业态": "餐饮服务经营者（小型餐饮）",
        "从业人员": 3,
        "网络经营": False,
        "备注": None,
    },
    "validity": {"from": "2026-03-02", "until": "2031-03-01"},
    "status": "valid",
}
EXAMPLE_CANONICAL = (
    '{"fields":{"主体业态":"餐饮服务经营者（小型餐饮）","从业人员":3,"备注":null,'
    '"经营场所":"示范县人民路 1 号","经营者名称":"示范县张三小吃店","网络经营":false},'
    '"format":"yiwang-license-v1",'
    '"holder":{"id_number":"3401**********1234","kind":"person","name":"张三"},'
    '"identifier":"1.2.156.3005.2.11100000MB0143028R001.11341122MB1A2B3CX9.2026000123.001.M",'
    '"issuer":{"name":"示范县市场监督管理局","uscc":"11341122MB1A2B3CX9"},'
    '"type":{"code":"11100000MB0143028R001","name":"食品经营许可证"},'
    '"validity":{"from":"2026-03-02","until":"2031-03-01"}}'
)
EXAMPLE_SM3 = "48db3b5a9e0a503cac98462c385bb81514827bbf38e3eaa72aac39da045785f8"
# Sealed with the standard's example key (GM/T 0003.5: d = 3945208F…C5B8), never a real one.
EXAMPLE_SEAL = (
    "727340c3c84d4a7fd0765cd24861db095d2a2acaa0962c1de26ff9223f9d217f"
    "4edc2cb6a30f005f2df87d188ff764f478a93ea3d613e11a7d9c30c5c3a37eb6"
)


def test_worked_example_bytes_and_sm3():
    data = canonical_bytes(EXAMPLE)
    assert data == EXAMPLE_CANONICAL.encode("utf-8")
    assert len(data) == 605
    assert data[:12] == bytes.fromhex("7b 22 66 69 65 6c 64 73 22 3a 7b 22")
    assert sm3_hex(data) == EXAMPLE_SM3
    digest = gmalg.SM3()  # an independent SM3
    digest.update(data)
    assert digest.value().hex() == EXAMPLE_SM3


def test_worked_example_seal_verifies_in_both_libraries():
    data = canonical_bytes(EXAMPLE)
    public = sealing._EXAMPLE_PUBLIC
    assert sealing.verify(data, public_key=public, signature=EXAMPLE_SEAL)
    raw = bytes.fromhex(EXAMPLE_SEAL)
    verifier = gmalg.SM2(pk=bytes.fromhex(public), uid=b"1234567812345678")
    assert verifier.verify(data, raw[:32], raw[32:])


def test_docs_show_the_same_example():
    text = DOC.read_text(encoding="utf-8")
    assert EXAMPLE_CANONICAL in text
    assert EXAMPLE_SM3 in text
    assert EXAMPLE_SEAL[:64] in text and EXAMPLE_SEAL[64:] in text
    assert sealing._EXAMPLE_PUBLIC[:66] in text and sealing._EXAMPLE_PUBLIC[66:] in text
    # The example's input, as the doc prints it, gives the same bytes.
    start = text.index("```json\n", text.index("### Worked example")) + len("```json\n")
    shown = json.loads(text[start : text.index("```", start)])
    assert canonical_bytes(shown) == canonical_bytes(EXAMPLE)


def test_same_as_pythons_sorted_compact_json_for_this_example():
    # A second reading of the rule for keys within the BMP: sorted keys, no whitespace, UTF-8.
    content = {k: v for k, v in EXAMPLE.items() if k != "status"} | {"format": "yiwang-license-v1"}
    plain = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert canonical_bytes(EXAMPLE) == plain.encode("utf-8")


def test_order_and_status_do_not_matter():
    reordered = {k: EXAMPLE[k] for k in reversed(list(EXAMPLE))}
    reordered["fields"] = dict(reversed(list(EXAMPLE["fields"].items())))
    reordered.pop("status")  # absent or any value: not signed
    assert canonical_bytes(reordered) == canonical_bytes(EXAMPLE)
    revoked = copy.deepcopy(EXAMPLE) | {"status": "revoked"}
    assert canonical_bytes(revoked) == canonical_bytes(EXAMPLE)


def test_member_names_sort_by_utf16_code_units():
    # U+FF5E (～) is one code unit 0xFF5E; U+20000 (𠀀) is two, 0xD840 0xDC00: UTF-16 puts 𠀀
    # first, code-point order would put it last (RFC 8785 §3.2.3).
    assert jcs({"～": 1, "\U00020000": 2, "a": 3}) == '{"a":3,"𠀀":2,"～":1}'.encode()


def test_escapes_are_rfc_8785s():
    value = {"k": 'q"b\\s\b\f\n\r\t\x00\x1f\x7f\u2028/é'}
    assert jcs(value) == b'{"k":"q\\"b\\\\s\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\xe2\x80\xa8/\xc3\xa9"}'


def _with(path: tuple[str, ...], value, base=EXAMPLE):
    data = copy.deepcopy(base)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        (("fields", "注册资本"), 12.5, "小数"),
        (("fields", "注册资本"), 2**53, "2^53"),
        (("fields", "范围"), ["a"], "只能是"),
        (("fields", "范围"), {"a": 1}, "只能是"),
        (("fields", "名称"), "e\u0301", "NFC"),
        (("fields", "名称"), "\ud800", "代理"),
        (("extra",), 1, "extra"),
        (("holder", "phone"), "x", "phone"),
        (("validity", "until"), KeyError, "until"),
        (("identifier",), EXAMPLE["identifier"][:-1] + "K", "校验位"),
        (("type", "code"), "11100000MB0143028R002", "不一致"),
        (("issuer", "uscc"), "92341122MA2N7K5L84", "不一致"),
        (("holder", "id_number"), "340104199001011234", "脱敏"),
        (("holder", "kind"), "other", "person"),
        (("holder", "name"), "", "不能为空"),
        (("validity", "from"), "2026-02-30", "真实日期"),
        (("validity", "from"), "2026-3-2", "真实日期"),
        (("validity", "until"), "2026-03-01", "早于"),
        (("fields",), [], "应为对象"),
    ],
)
def test_refusals_name_the_member(path, value, says):
    with pytest.raises(CanonicalError) as excinfo:
        canonical_bytes(_with(path, value))
    assert says in str(excinfo.value)


def test_enterprise_holder_carries_its_uscc_in_clear():
    enterprise = _with(
        ("holder",),
        {"kind": "enterprise", "name": "示范县一味餐饮有限公司", "id_number": "92341122MA2N7K5L84"},
    )
    assert b'"id_number":"92341122MA2N7K5L84"' in canonical_bytes(enterprise)
    with pytest.raises(CanonicalError):
        canonical_bytes(_with(("holder", "id_number"), "92341122ma2n7k5l84", enterprise))


def test_open_ended_validity_is_null():
    data = canonical_bytes(_with(("validity", "until"), None))
    assert b'"validity":{"from":"2026-03-02","until":null}' in data


def test_normalise_gives_nfc_and_refuses_colliding_names():
    decomposed = _with(("fields", "名称"), "Cafe\u0301")
    with pytest.raises(CanonicalError):
        canonical_bytes(decomposed)
    assert "Café" in canonical_bytes(normalise(decomposed)).decode()
    with pytest.raises(CanonicalError):
        normalise({"e\u0301": 1, "é": 2})


def test_signed_content_adds_format_and_leaves_status_out():
    content = signed_content(EXAMPLE)
    assert content["format"] == "yiwang-license-v1" and "status" not in content


field_names = (
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=6)
    .map(lambda s: unicodedata.normalize("NFC", s))
    .filter(bool)
)
field_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1),
    st.text(st.characters(codec="utf-8"), max_size=20).map(
        lambda s: unicodedata.normalize("NFC", s)
    ),
)


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(st.dictionaries(field_names, field_values, max_size=8))
def test_any_fields_round_trip_through_json(fields):
    data = canonical_bytes(_with(("fields",), fields))
    # canonical_bytes encodes signed_content as built (its members already in order): the same
    # bytes as jcs() re-sorting it, astral field names included.
    assert data == jcs(signed_content(_with(("fields",), fields)))
    parsed = json.loads(data)
    assert parsed["fields"] == fields
    # Re-serialising what was parsed gives the same bytes: the form is a fixed point.
    assert jcs(parsed) == data


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(st.dictionaries(field_names, field_values, min_size=1, max_size=8), st.data())
def test_a_changed_value_changes_the_bytes(fields, data):
    name = data.draw(st.sampled_from(sorted(fields)))
    other = data.draw(
        field_values.filter(lambda v: v != fields[name] or type(v) is not type(fields[name]))
    )
    changed = dict(fields) | {name: other}
    assert canonical_bytes(_with(("fields",), changed)) != canonical_bytes(
        _with(("fields",), fields)
    )


def test_integers_zero_and_one_are_not_booleans():
    # False == 0 and True == 1 in Python (and hash alike): the bytes must keep them apart.
    data = canonical_bytes(_with(("fields",), {"a": 0, "b": 1, "c": False, "d": True}))
    assert b'"fields":{"a":0,"b":1,"c":false,"d":true}' in data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("validity", "from"), "2026-03-02\n"),
        (("validity", "until"), "2031-03-01\n"),
        (("holder", "id_number"), "3401**********1234\n"),
        (("identifier",), EXAMPLE["identifier"].replace(".001.", ".001\n.")),
    ],
)
def test_a_trailing_newline_is_refused(path, value):
    # "$" in a pattern matches before a final newline; the patterns end with \Z.
    with pytest.raises(CanonicalError):
        canonical_bytes(_with(path, value))


# The usual path (canonical._usual_bytes) against signed_content on generated objects, valid
# and not: whenever it gives bytes they are signed_content's, and whatever signed_content
# refuses it leaves to signed_content.
odd_values = st.one_of(
    field_values,
    st.text(max_size=4),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(
        ["", "e\u0301", "\ud800", "a\x00\u0301", "\U00020000", "2026-03-02\n", "x\n", [], {}, 0]
    ),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
odd_names = st.one_of(field_names, st.sampled_from(["", "e\u0301", "\ud800", "\U00020000", "～"]))
places = st.sampled_from(
    [
        ("identifier",),
        ("type", "code"),
        ("type", "name"),
        ("issuer", "uscc"),
        ("issuer", "name"),
        ("holder", "kind"),
        ("holder", "name"),
        ("holder", "id_number"),
        ("validity", "from"),
        ("validity", "until"),
        ("fields",),
        ("status",),
        ("extra",),
        ("holder", "extra"),
    ]
)
ENTERPRISE = _with(
    ("holder",),
    {"kind": "enterprise", "name": "示范县一味餐饮有限公司", "id_number": "92341122MA2N7K5L84"},
)


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(
    st.dictionaries(odd_names, odd_values, max_size=6),
    st.lists(st.tuples(places, st.one_of(odd_values, st.just(KeyError))), max_size=2),
    st.booleans(),
)
def test_the_usual_path_gives_signed_contents_bytes_or_nothing(fields, changes, enterprise):
    license = _with(("fields",), fields, ENTERPRISE if enterprise else EXAMPLE)
    for path, value in changes:
        if value is KeyError and path[-1] not in (license if len(path) == 1 else {}):
            continue
        try:
            license = _with(path, value, license)
        except (TypeError, KeyError):  # the parent was replaced by a non-object
            continue
    try:
        expected = jcs(signed_content(license))
    except CanonicalError:
        expected = None
    usual = canonical._usual_bytes(license)
    assert usual is None or usual == expected
    if expected is None:
        with pytest.raises(CanonicalError):
            canonical_bytes(license)
    else:
        assert canonical_bytes(license) == expected


@settings(deadline=None)  # a shared 2-core machine: time is not the property
@given(st.dictionaries(field_names, field_values, max_size=8), st.booleans())
def test_the_usual_path_takes_every_usual_object(fields, enterprise):
    license = _with(("fields",), fields, ENTERPRISE if enterprise else EXAMPLE)
    assert canonical._usual_bytes(license) == jcs(signed_content(license))
    assert canonical._usual_bytes(_with(("validity", "until"), None, license)) is not None
