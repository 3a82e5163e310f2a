"""Routing (派单建议) as pure functions: the responsibility lists, the history of where tickets
were finally handled, learning from send-backs, reasons, and the demo lists on a few appeals."""

from __future__ import annotations

import pytest

from yiwang.appeals.dispatch import text
from yiwang.appeals.dispatch.routing import Entry, Precedent, Router
from yiwang.demo import county
from yiwang.demo.responsibilities import demo_entries, demo_rows

MARKET, HOUSING, CITY, TOWN_A, TOWN_B = 1, 2, 3, 4, 5
NAMES = {
    MARKET: "县市场监督管理局",
    HOUSING: "县住房和城乡建设局",
    CITY: "县城市管理局",
    TOWN_A: "东山镇人民政府",
    TOWN_B: "西河镇人民政府",
}


def entry(dept: int, title: str, keywords: str, detail: str = "") -> Entry:
    return Entry(dept, NAMES[dept], title, tuple(text.keywords_of(keywords)), detail)


ENTRIES = [
    entry(MARKET, "食品安全", "食品、过期、饭店、后厨", "负责食品安全监管"),
    entry(MARKET, "特种设备", "电梯、电梯困人", "负责电梯等特种设备安全监察"),
    entry(HOUSING, "物业管理", "物业、物业费、小区、电梯维修", "负责物业服务监管"),
    entry(CITY, "市容", "占道经营、摆摊、油烟", "负责市容秩序"),
    entry(TOWN_A, "属地", "东山镇、大王庄村"),
    entry(TOWN_B, "属地", "西河镇"),
    entry(TOWN_A, "村务", "村委会、村务公开"),
    entry(TOWN_B, "村务", "村委会、村务公开"),
]


def departments(found) -> list[str]:
    return [s.department for s in found]


def test_keywords_accept_every_separator_and_drop_single_characters():
    assert text.keywords_of("食品、过期,饭店，后厨;油烟；\n电梯 电\n食品") == [
        "食品",
        "过期",
        "饭店",
        "后厨",
        "油烟",
        "电梯",
    ]
    # Full-width letters and case are normalised like the ticket text.
    assert text.keywords_of("ＫＴＶ、Wi-Fi") == ["ktv", "wifi"]


def test_best_first_with_a_reason_naming_the_entry_and_keywords():
    router = Router(ENTRIES)
    found = router.suggest("人民路一家饭店后厨很脏，卖过期食品")
    assert departments(found)[0] == "县市场监督管理局"
    best = found[0]
    assert best.reason.startswith("职责清单「食品安全」：")
    for word in ("饭店", "后厨", "过期", "食品"):
        assert word in best.reason
    assert 0 < best.score <= 1
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert sum(s.score for s in found) == pytest.approx(1, abs=0.01)


def test_nothing_pointing_anywhere_gives_no_suggestion():
    assert Router(ENTRIES).suggest("你好") == []
    assert Router(ENTRIES).suggest("") == []


def test_a_specific_keyword_outweighs_a_shared_one():
    # 电梯 is in two lists (特种设备 and 物业's 电梯维修 contains it), 电梯困人 only in one.
    found = Router(ENTRIES).suggest("小区电梯困人半小时")
    assert departments(found)[0] == "县市场监督管理局"


def test_a_place_name_alone_decides_only_between_departments_sharing_the_duty():
    router = Router(ENTRIES, places=["东山镇", "西河镇", "大王庄村"])
    found = router.suggest("东山镇大王庄村村委会账目不公开，村务公开栏是空的")
    assert departments(found)[0] == "东山镇人民政府"
    assert departments(found)[1] == "西河镇人民政府"
    # A town's name does not pull a food complaint away from the market regulator.
    found = router.suggest("东山镇一家饭店卖过期食品")
    assert departments(found)[0] == "县市场监督管理局"


def test_history_suggests_where_similar_tickets_were_finally_handled():
    complaint = "楼下垃圾中转站臭气熏天，夏天更严重"
    assert Router(ENTRIES).suggest(complaint) == []
    history = [
        Precedent("小区旁边的垃圾中转站臭气熏天", CITY, NAMES[CITY]),
        Precedent("垃圾中转站夏天臭气很重，蚊蝇多", CITY, NAMES[CITY]),
    ]
    found = Router(ENTRIES, history).suggest(complaint)
    assert "县城市管理局" in departments(found), departments(found)
    assert "相似诉求 2 件最终由该部门办理" in found[0].reason
    assert found[0].handled_similar == 2


def test_a_send_back_teaches_the_router_to_look_elsewhere():
    complaint = "小区物业把电梯停了，说要先交物业费才开"
    before = Router(ENTRIES).suggest(complaint)
    assert departments(before)[0] == "县住房和城乡建设局"
    history = [
        Precedent("物业停电梯逼业主交物业费", HOUSING, NAMES[HOUSING], sent_back=True),
        Precedent("物业把电梯停了要求交物业费", HOUSING, NAMES[HOUSING], sent_back=True),
        Precedent("物业停电梯逼业主交物业费", MARKET, NAMES[MARKET]),
    ]
    after = Router(ENTRIES, history).suggest(complaint)
    assert departments(after)[0] == "县市场监督管理局"
    # Sent back twice for nearly the same text: no longer suggested at all.
    assert "县住房和城乡建设局" not in departments(after)
    # Once, for a less similar text: still suggested, the reason says so, and it counts less.
    once = [Precedent("物业停电梯的事情，业主们很气愤", HOUSING, NAMES[HOUSING], sent_back=True)]
    found = Router(ENTRIES, once).suggest(complaint)
    assert departments(found)[0] == "县住房和城乡建设局"
    assert "该部门退回过相似诉求 1 件" in found[0].reason
    assert found[0].score < before[0].score
    # Unrelated send-backs change nothing.
    other = [Precedent("路灯不亮", HOUSING, NAMES[HOUSING], sent_back=True)]
    assert departments(Router(ENTRIES, other).suggest(complaint)) == departments(before)


def test_as_dict_is_what_the_command_prints():
    found = Router(ENTRIES).suggest("饭店后厨有老鼠")[0].as_dict()
    assert found["department"] == "县市场监督管理局"
    assert set(found) == {"department", "department_id", "score", "reason"}


def test_bigram_similarity_finds_a_reworded_repeat():
    first = text.bigrams("人民路88号饭店油烟扰民，晚上窗户都不能开")
    repeat = text.bigrams("人民路88号那家饭店油烟扰民严重，窗户都不能开")
    other = text.bigrams("东山镇大王庄村的路灯坏了")
    assert text.similarity(first, repeat) >= 0.6
    assert text.similarity(first, other) < 0.2
    assert text.similarity(first, set()) == 0


def test_every_demo_department_has_a_responsibility_list():
    listed = {row["department"] for row in demo_rows()}
    towns = {f"{town}人民政府" for town, _ in county.TOWNS}
    assert listed == set(county.county_departments()) | towns
    for row in demo_rows():
        assert row["title"] and row["detail"]
        assert text.keywords_of(row["keywords"]), row["title"]


DEMO_APPEALS = [
    ("我们小区停水两天了，打电话也没人接", "县自来水公司"),
    ("包工头欠了我们三个月工钱不给", "县人力资源和社会保障局"),
    ("楼道里的消防通道被杂物堵住了", "县消防救援大队"),
    ("石桥镇黄沟村的村干部不公开村务", "石桥镇人民政府"),
    ("医保异地备案怎么办", "县医疗保障局"),
]


@pytest.mark.parametrize(("complaint", "expected"), DEMO_APPEALS)
def test_the_demo_lists_route_typical_appeals(complaint, expected):
    places = [town for town, _ in county.TOWNS]
    for t, (_, villages) in enumerate(county.TOWNS):
        places += county.village_names(t, villages)
    found = Router(demo_entries(), places=places).suggest(complaint, limit=3)
    assert departments(found)[0] == expected


def test_a_long_history_of_precedents_still_routes_by_them():
    # Speed is measured by bench/appeals_routing.py, not here (no clocks in tests).
    history = [
        Precedent(f"第{i}件：人民路饭店油烟扰民，晚上不能开窗", 99, "人民路街区联合执法队")
        for i in range(2000)
    ]
    router = Router(demo_entries(), history)
    found = router.suggest("人民路一家烧烤店油烟很大，邻居都受不了，希望城管来看看")
    # A department no list names is suggested from its precedents alone.
    assert "人民路街区联合执法队" in departments(found), departments(found)
