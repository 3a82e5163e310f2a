"""The guided-search test set: everyday queries as citizens and enterprise staff type them, each
with the names of the acceptable results (items or bundles of the demo catalogue).

Written before the ranker and the seed synonyms were tuned, from how people ask at the window
and on the 12345 hotline: colloquial, incomplete, with 丢了/办/要/怎么/去哪. A query counts as
found at k when any acceptable name is among the first k results. Names are resolved to codes
against the demo catalogue by the tests, so a renamed item fails loudly instead of silently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

SEN = "新生儿出生一件事"
RESTAURANT = "开办餐饮店一件事"
COMPANY = "企业开办一件事"
HOUSE = "二手房转移登记及水电气网联合过户一件事"
DISABLED = "残疾人服务一件事"
TRANSPORT = "开办运输企业一件事"
CONSTRUCTION = "工程建设项目审批一件事"

QUERIES: list[tuple[str, set[str]]] = [
    # 身份证、户口、证明
    ("身份证丢了怎么办", {"居民身份证补领"}),
    ("身份证过期了去哪换", {"居民身份证换领"}),
    ("小孩第一次办身份证", {"居民身份证首次申领"}),
    ("身份证还没办下来急用怎么办", {"临时居民身份证申领"}),
    ("生了孩子怎么上户口", {"出生登记", SEN}),
    ("从外地把户口迁过来", {"户口迁移（迁入）"}),
    ("家里老人去世了户口怎么销", {"死亡注销户口"}),
    ("外地人在这里办居住证", {"居住证申领"}),
    ("开无犯罪证明", {"无犯罪记录证明开具"}),
    ("找工作单位要开无犯罪记录", {"无犯罪记录证明开具"}),
    ("开个户籍证明", {"户籍类证明开具"}),
    ("电瓶车上牌照", {"电动自行车登记上牌"}),
    ("新买的汽车怎么上牌", {"机动车注册登记"}),
    ("驾照到期了换证", {"机动车驾驶证有效期满换证"}),
    ("去香港要办什么证件", {"往来港澳通行证签发"}),
    ("公司刻公章", {"公章刻制备案"}),
    ("开宾馆要什么手续", {"旅馆业特种行业许可证核发"}),
    # 市场主体
    ("开饭店要办什么证", {RESTAURANT, "食品经营许可（新办）"}),
    ("想开个小吃店", {RESTAURANT, "食品经营许可（新办）", "个体工商户设立登记"}),
    ("注册一家公司", {COMPANY, "有限责任公司设立登记"}),
    ("公司不做了怎么注销", {"有限责任公司注销登记"}),
    ("公司换法人", {"有限责任公司变更登记"}),
    ("办个体户营业执照", {"个体工商户设立登记"}),
    ("个体户不干了", {"个体工商户注销登记"}),
    ("营业执照丢了", {"营业执照遗失补领"}),
    ("给公司起名字", {"企业名称自主申报"}),
    ("食品经营许可证快到期了", {"食品经营许可（延续）"}),
    ("开药店", {"药品零售企业经营许可"}),
    ("几个农户成立合作社", {"农民专业合作社设立登记"}),
    ("卖医疗器械要备案吗", {"第二类医疗器械经营备案"}),
    ("锅炉电梯要去登记", {"特种设备使用登记"}),
    ("在家做点心卖的小作坊", {"食品小作坊登记"}),
    # 人社、医保
    ("失业了能领钱吗", {"失业保险金申领"}),
    ("社保卡丢了", {"社会保障卡挂失", "社会保障卡申领"}),
    ("办社保卡", {"社会保障卡申领"}),
    ("退休了怎么领养老金", {"企业职工基本养老保险待遇申领"}),
    ("农村老人交养老保险", {"城乡居民基本养老保险参保登记"}),
    ("老板拖欠工资去哪告", {"劳动人事争议仲裁申请"}),
    ("上班受伤了怎么算工伤", {"工伤认定申请"}),
    ("自己创业想贷款", {"创业担保贷款申请"}),
    ("参加技能培训有补贴吗", {"职业技能培训补贴申领"}),
    ("去外地看病怎么报销", {"异地就医登记备案"}),
    ("休产假能领多少钱", {"生育津贴支付"}),
    ("换工作了医保怎么转", {"基本医疗保险关系转移接续"}),
    ("慢性病门诊报销", {"门诊慢特病待遇认定"}),
    ("住院自己垫的钱怎么报", {"医疗费用手工（零星）报销"}),
    ("给孩子交医保", {"城乡居民基本医疗保险参保登记"}),
    # 民政、残联
    ("领结婚证", {"内地居民结婚登记"}),
    ("办离婚要带什么", {"内地居民离婚登记"}),
    ("结婚证丢了补办", {"补领结婚证"}),
    ("家里困难申请低保", {"最低生活保障审核确认"}),
    ("八十岁老人有补贴吗", {"高龄津贴申领"}),
    ("残疾人补贴怎么申请", {"困难残疾人生活补贴和重度残疾人护理补贴", DISABLED}),
    ("办残疾证", {"残疾人证核发", DISABLED}),
    # 房、地、建设
    ("买二手房过户", {HOUSE, "不动产转移登记"}),
    ("房子抵押贷款", {"不动产抵押登记"}),
    ("查一下房产证信息", {"不动产登记资料查询"}),
    ("农村盖房子审批", {"农村宅基地用地审批", "乡村建设规划许可证核发"}),
    ("租房合同备案", {"房屋租赁登记备案"}),
    ("申请公租房", {"公共租赁住房资格审核"}),
    ("老房子快塌了政府给补钱吗", {"农村危房改造补助"}),
    ("提公积金买房", {"住房公积金提取（购房）"}),
    ("租房子取公积金", {"住房公积金提取（租房）"}),
    ("用公积金贷款买房", {"住房公积金贷款申请"}),
    ("银行要公积金缴存证明", {"住房公积金缴存证明开具"}),
    ("盖厂房要办施工许可", {"建筑工程施工许可证核发", CONSTRUCTION}),
    # 交通、卫健、教育
    ("跑货运要办什么证", {"道路货物运输经营许可", TRANSPORT}),
    ("开出租车要考资格证", {"出租汽车驾驶员从业资格证核发"}),
    ("大货车超重上路审批", {"公路超限运输许可"}),
    ("开诊所", {"诊所备案", "医疗机构执业登记"}),
    ("护士注册", {"护士执业注册"}),
    ("怀孕了要登记吗", {"生育登记"}),
    ("孩子出生证明", {"出生医学证明签发", SEN}),
    ("开理发店卫生许可", {"公共场所卫生许可"}),
    ("孩子上小学报名", {"义务教育新生入学报名"}),
    ("当老师要认定资格", {"教师资格认定"}),
    ("办幼儿园", {"民办幼儿园设立审批"}),
    # 税、文旅、城管、司法、公用事业
    ("个税退税", {"个人所得税综合所得年度汇算"}),
    ("买房交契税", {"契税申报"}),
    ("公司领发票", {"发票领用"}),
    ("开完税证明", {"开具税收完税证明"}),
    ("开网吧", {"互联网上网服务营业场所经营许可"}),
    ("开KTV", {"娱乐场所经营许可"}),
    ("小卖部卖烟要什么证", {"烟草专卖零售许可证核发"}),
    ("过年卖烟花爆竹", {"烟花爆竹经营（零售）许可证核发"}),
    ("楼顶装个大广告牌", {"设置大型户外广告审批"}),
    ("在马路上挖沟埋管子", {"城市道路挖掘许可"}),
    ("办酒席要占道搭棚", {"临时占用城市道路许可"}),
    ("打官司请不起律师", {"法律援助申请"}),
    ("和邻居闹矛盾找人调解", {"人民调解申请"}),
    ("退伍军人优待证", {"退役军人优待证申领"}),
    ("新房子通电", {"低压居民用电报装"}),
    ("家里装自来水", {"用水报装"}),
    ("开通天然气", {"用气报装"}),
    ("水电煤气过户", {HOUSE, "用电过户", "用水过户", "用气过户"}),
    # 一件事（生活事件）
    ("生孩子", {SEN}),
    ("新生儿落户", {"出生登记", SEN}),
    ("开饭馆", {RESTAURANT}),
    ("开运输公司", {TRANSPORT}),
    ("查档案", {"档案查询利用"}),
]

# Written after the ranker and the seed synonyms were settled and held out until issue 7; its
# misses were read while the fallback for unseen words was built, so it is development data now
# (the held-out set is search_queries_held_out.HELD_OUT_NEW). Reported, not gated.
HELD_OUT: list[tuple[str, set[str]]] = [
    ("我的身份证坏了要换新的", {"居民身份证换领"}),
    ("孩子满16岁办身份证", {"居民身份证首次申领"}),
    ("老公户口迁到我这边", {"户口迁移（迁入）"}),
    ("出国要开没有犯罪的证明", {"无犯罪记录证明开具"}),
    ("买了辆电动车要上牌吗", {"电动自行车登记上牌"}),
    ("驾驶证过期了", {"机动车驾驶证有效期满换证"}),
    ("去澳门旅游办证", {"往来港澳通行证签发"}),
    ("开一家有限公司", {COMPANY, "有限责任公司设立登记"}),
    ("公司股东变了", {"有限责任公司变更登记"}),
    ("个体户营业执照地址变了", {"个体工商户变更登记"}),
    ("开早餐店", {RESTAURANT, "食品经营许可（新办）"}),
    ("饭店营业执照和食品许可一起办", {RESTAURANT, "食品经营许可（新办）"}),
    ("社保卡被偷了", {"社会保障卡挂失", "社会保障卡申领"}),
    ("被公司辞退了领失业金", {"失业保险金申领"}),
    ("在外地住院医保能用吗", {"异地就医登记备案"}),
    ("生完孩子领生育保险的钱", {"生育津贴支付"}),
    ("城乡医保在哪交", {"城乡居民基本医疗保险参保登记"}),
    ("我们俩要结婚", {"内地居民结婚登记"}),
    ("协议离婚", {"内地居民离婚登记"}),
    ("家里有人残疾怎么办证", {"残疾人证核发", DISABLED}),
    ("残疾证到期换证", {"残疾人证换领"}),
    ("老人去世丧葬补助", {"惠民殡葬补助"}),
    ("房产证抵押给银行", {"不动产抵押登记"}),
    ("新房办房产证", {"不动产首次登记"}),
    ("二手房买卖要交什么税", {"契税申报", HOUSE}),
    ("公积金怎么取出来", {"住房公积金提取（购房）", "住房公积金提取（租房）"}),
    ("单位给员工开公积金账户", {"单位住房公积金缴存登记"}),
    ("开货车跑运输", {"道路货物运输经营许可", TRANSPORT}),
    ("开个体诊所", {"诊所备案", "医疗机构执业登记"}),
    ("医生注册执业证", {"医师执业注册"}),
    ("准备要二胎登记", {"生育登记"}),
    ("开美容美发店", {"公共场所卫生许可"}),
    ("小孩读一年级报名", {"义务教育新生入学报名"}),
    ("开歌舞厅", {"娱乐场所经营许可"}),
    ("办烟草证", {"烟草专卖零售许可证核发"}),
    ("店门口占道经营", {"临时占用城市道路许可"}),
    ("请免费律师", {"法律援助申请"}),
    ("退伍老兵补助", {"自主就业退役士兵一次性经济补助", "退役军人优待证申领"}),
    ("新家装电", {"低压居民用电报装"}),
    ("燃气过户", {"用气过户", HOUSE}),
    ("查以前的档案", {"档案查询利用"}),
    ("开农药店", {"农药经营许可"}),
    ("养猪场防疫", {"动物防疫条件合格证核发"}),
    ("建设项目环评", {"建设项目环境影响报告表审批", "建设项目环境影响登记表备案"}),
    ("卖危险化学品", {"危险化学品经营许可证核发"}),
    ("开游泳馆", {"高危险性体育项目经营许可"}),
    ("办演唱会", {"营业性演出审批"}),
]


# Development additions (issue 7), written alongside the fallback for words the catalogue does
# not use, and used to tune it together with QUERIES and HELD_OUT above (HELD_OUT's misses were
# read while building the fallback, so it is development data now). The held-out set that was
# never used for tuning is search_queries_held_out.HELD_OUT_NEW.
_RENOVATION = {"城市建筑垃圾处置核准", "特殊建设工程消防设计审查", "建筑工程施工许可证核发"}
_SELF_EMPLOYED = {"个体工商户设立登记", COMPANY, "有限责任公司设立登记"}
DEV_EXTRA: list[tuple[str, set[str]]] = [
    ("开淘宝店", _SELF_EMPLOYED),
    ("在抖音上卖东西要执照吗", _SELF_EMPLOYED),
    ("开个服装店", {"个体工商户设立登记"}),
    ("开便利店", {"个体工商户设立登记", "食品经营许可（新办）", RESTAURANT}),
    ("开早点铺", {RESTAURANT, "食品经营许可（新办）"}),
    ("开烧烤摊", {RESTAURANT, "食品经营许可（新办）", "食品小作坊登记"}),
    ("家里装修", _RENOVATION),
    ("装修新房要报批吗", _RENOVATION),
    ("装修拆下来的建筑垃圾", {"城市建筑垃圾处置核准"}),
    ("二胎有钱领吗", {"生育津贴支付"}),
    ("生小孩有补助吗", {"生育津贴支付", SEN}),
    ("身份证掉了", {"居民身份证补领"}),
    ("我的身份证丢了", {"居民身份证补领"}),
    ("补办身份证", {"居民身份证补领"}),
    ("身份证弄坏了", {"居民身份证换领"}),
    ("开电玩城", {"娱乐场所经营许可"}),
    ("举办音乐节", {"营业性演出审批"}),
    ("住院报销", {"医疗费用手工（零星）报销"}),
    ("去外省看病", {"异地就医登记备案"}),
    ("开个理发馆", {"公共场所卫生许可"}),
    ("开旅店", {"旅馆业特种行业许可证核发"}),
    ("小孩读书报名", {"义务教育新生入学报名"}),
    ("失业补助", {"失业保险金申领"}),
    ("交社保", {"企业职工基本养老保险参保登记", "城乡居民基本养老保险参保登记"}),
    ("买车上牌", {"机动车注册登记"}),
    ("摩托车上牌", {"机动车注册登记"}),
    ("在小区开超市", {"个体工商户设立登记", "食品经营许可（新办）"}),
    ("卖酒要什么证", {"食品经营许可（新办）"}),
    ("开烟酒店", {"烟草专卖零售许可证核发", "食品经营许可（新办）"}),
    ("盖楼审批", {CONSTRUCTION, "建筑工程施工许可证核发", "建设工程规划许可证核发"}),
    ("房子过户", {HOUSE, "不动产转移登记"}),
    ("婚姻登记", {"内地居民结婚登记", "内地居民离婚登记"}),
    ("查房产", {"不动产登记资料查询"}),
    ("老人去世后要办的事", {"死亡注销户口", "惠民殡葬补助"}),
    ("开养鸡场", {"动物防疫条件合格证核发"}),
    ("开个健身游泳馆", {"高危险性体育项目经营许可"}),
    ("办准生证", {"生育登记"}),
    ("生病住院的钱报了", {"医疗费用手工（零星）报销"}),
]


@pytest.fixture(scope="module")
def demo_catalogue(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The demo county's 159 published items and 7 bundles, seeded once per test module (about
    6 s) inside a transaction that is rolled back after the module. Each test still runs in its
    own savepoint (the `db` fixture), so changes made by a test are undone after it."""
    from yiwang.catalog.search import query as search
    from yiwang.catalog.search.synonyms import synonyms_seed
    from yiwang.demo.services import seed_demo_county

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_demo_county()
            # The migration loads the synonyms, but a transactional test elsewhere may have
            # flushed them.
            synonyms_seed()
            search.forget_index()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            search.forget_index()


def resolve(index, names: set[str]) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(kind, code) of the named items and bundles; fails on a name the catalogue lacks."""
    by_name: dict[str, tuple[str, str]] = {r.name: (r.kind, r.code) for r in index.records}
    missing = sorted(n for n in names if n not in by_name)
    assert not missing, f"not in the demo catalogue: {missing}"
    return {by_name[n] for n in names}
