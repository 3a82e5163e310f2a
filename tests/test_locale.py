"""The English interface is complete and the committed catalogue is the one the code asks for.

- every msgid of locale/en/LC_MESSAGES/django.po has a translation and none is fuzzy;
- makemessages finds no string marked for translation that the .po lacks (nor one it has
  that no code uses): needs gettext's xgettext (scripts/system-packages);
- the committed django.mo holds exactly the .po's translations (read with Python's gettext,
  compared by content);
- the guide page, a bundle page, its 一次告知书 and the search results, read in English, show no
  Chinese in their chrome: what is left once the data they show (names, materials, addresses,
  the catalogue's own vocabulary) is taken out."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from tests.seeded import demo_county
from yiwang.catalog import fields as catalog_fields
from yiwang.catalog import models as catalog_models
from yiwang.catalog.models import Bundle, ServiceItem
from yiwang.org import models as org_models

from .po import catalog, messages

SRC = Path(__file__).resolve().parents[1] / "src" / "yiwang"
PO = SRC / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u3400-\u9fff]+")


def label(entry) -> str:
    context = f"{entry.msgctxt} | " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r} (django.po:{entry.line})"


def test_every_msgid_has_an_english_translation_and_none_is_fuzzy():
    entries = messages(PO)
    assert len(entries) > 500
    assert [label(e) for e in entries if e.fuzzy] == []
    assert [label(e) for e in entries if not e.translated] == []


def test_no_translation_is_left_in_chinese():
    # a msgstr copied from its msgid, or half translated, still shows Chinese in English
    left = [
        label(e) for e in messages(PO) if CJK.search(e.msgstr + "".join(e.msgstr_plural.values()))
    ]
    assert left == []


def test_placeholders_are_kept():
    # "%(n)s 个事项" translated without %(n)s would drop the number (msgfmt --check catches
    # only python-format entries it was told about)
    placeholder = re.compile(r"%\((\w+)\)s")
    wrong = []
    for e in messages(PO):
        wanted = set(placeholder.findall(e.msgid))
        for text in [e.msgstr] if e.msgid_plural is None else e.msgstr_plural.values():
            if set(placeholder.findall(text)) != wanted:
                wrong.append(label(e))
    assert wrong == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_makemessages_would_change_nothing(tmp_path):
    """A string marked in a template or in Python but missing from the .po, or a msgid no code
    uses any more, fails here: run makemessages (see the .po's header) and translate."""
    copy = tmp_path / "yiwang"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    before = PO.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "yiwang", "makemessages", "-l", "en", "--no-obsolete",
         "--add-location=file"],
        cwd=copy, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr
    assert PO.read_bytes() == before  # the committed file was not touched
    fresh = {(e.msgctxt, e.msgid, e.msgid_plural) for e in messages(copy / PO.relative_to(SRC))}
    committed = {(e.msgctxt, e.msgid, e.msgid_plural) for e in messages(PO)}
    assert sorted(fresh - committed, key=str) == [], "marked for translation, not in django.po"
    assert sorted(committed - fresh, key=str) == [], "in django.po, used nowhere"


def test_the_compiled_catalogue_matches_the_po():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    have = {k: v for k, v in compiled._catalog.items() if k != ""}  # type: ignore[attr-defined]
    want = {k: v for k, v in catalog(PO).items() if k != ""}
    missing = sorted(str(k) for k in want.keys() - have.keys())
    extra = sorted(str(k) for k in have.keys() - want.keys())
    differ = sorted(str(k) for k in want.keys() & have.keys() if want[k] != have[k])
    assert (missing, extra, differ) == ([], [], []), "run yiwang compilemessages"
    assert compiled.plural(1) == 0 and compiled.plural(2) == 1


def test_the_po_reader_sees_what_the_checks_need(tmp_path):
    """The reader itself: contexts, plurals, continuation lines, fuzzy and obsolete entries."""
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: en\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "共 %(n)s 项"\nmsgstr "%(n)s in all"\n\n'
        'msgctxt "date label"\nmsgid "发布"\nmsgstr ""\n"Pub"\n"lished"\n\n'
        'msgid "%(n)s 次"\nmsgid_plural "%(n)s 次"\nmsgstr[0] "%(n)s visit"\nmsgstr[1] ""\n\n'
        '#~ msgid "旧"\n#~ msgstr "Old"\n',
        encoding="utf-8",
    )
    fuzzy, dated, visits = messages(po)
    assert fuzzy.fuzzy and fuzzy.translated
    assert dated.msgctxt == "date label" and dated.msgstr == "Published" and not dated.fuzzy
    assert visits.msgid_plural == "%(n)s 次" and not visits.translated  # one form is empty
    assert catalog(po) == {"": "Language: en\n", "date label\x04发布": "Published"}


# --- the pages in English ----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_county()
        yield
        transaction.set_rollback(True)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value, *(part for part in re.split(r"[\s、，,;；|]+", value) if part)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def data_strings() -> list[str]:
    """Every text the database holds for the pages to show (names, materials, addresses,
    synonyms, bundle form fields, tickets' titles and texts …) and every choice label of the
    models: content, not chrome. Longest first."""
    found: set[str] = set()
    # the implementation list's element choices live in catalog.fields
    for module in (catalog_models, catalog_fields, org_models):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, models.Choices):
                found.update(str(text) for text in value.labels)
    for model in apps.get_models():
        if model._meta.app_label not in {"catalog", "org", "workdays", "appeals"}:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if fields:
            for row in model._base_manager.values_list(*(f.attname for f in fields)):
                found.update(_strings(list(row)))
    return sorted(found, key=len, reverse=True)


# A language is named in its own language in the switcher.
OWN_NAMES = ["简体中文"]


def chrome_left(html: str, data: list[str]) -> list[str]:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<svg\b.*?</svg>", " ", html, flags=re.S)  # the flowchart draws data
    # one-glyph decorations hidden from screen readers (the portal's 政 mark, topic glyphs)
    html = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>[^<]?</span>', " ", html)
    text = re.sub(r"<[^>]+>", "\n", html)
    # one pass, longest alternative first at each place, so that a short data word does not
    # cut up a longer one holding it ("申请人身份证号码" holds "身份证号码")
    alternatives = [re.escape(v) for v in data + OWN_NAMES if CJK.search(v)]
    anything = re.compile("|".join(sorted(set(alternatives), key=len, reverse=True)))
    return sorted(set(CJK.findall(anything.sub(" ", text))))


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_guide_bundle_notice_and_search_pages_have_english_chrome(demo, english):
    item = ServiceItem.objects.filter(published_version__isnull=False).order_by("code").first()
    bundle = Bundle.objects.filter(status="published").order_by("code").first()
    assert item is not None and bundle is not None
    pages = {
        "guide": f"/guide/item/{item.code}/",
        "bundle": f"/guide/bundle/{bundle.code}/",
        "notice": f"/guide/bundle/{bundle.code}/notice/",
        "search": "/search/?q=开饭店",
        "nothing found": "/search/?q=zzzzqqqq",
        "home": "/",
    }
    data = [*data_strings(), "开饭店", "身份证丢了", "生孩子"]
    left = {}
    for name, url in pages.items():
        response = english.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="en"' in html, url
        leftover = chrome_left(html, data)
        if leftover:
            left[name] = leftover
    assert left == {}, f"Chinese left in the English pages: {left}"


@pytest.mark.django_db
def test_hall_level_badges_in_english(demo, english):
    html = english.get("/").content.decode()
    assert '<span class="tag">County government service centre</span>' in html
    assert '<span class="tag">Town service centre</span>' in html
    assert "县级政务服务中心" not in html


@pytest.mark.django_db
def test_the_same_pages_stay_chinese_by_default(demo, client):
    item = ServiceItem.objects.filter(published_version__isnull=False).order_by("code").first()
    html = client.get(f"/guide/item/{item.code}/").content.decode()
    assert "去哪里办" in html and "Where to go" not in html
    english_page = client.get(f"/guide/item/{item.code}/", HTTP_ACCEPT_LANGUAGE="en").content
    assert "去哪里办" in english_page.decode()  # the browser's language is not followed


@pytest.mark.django_db
def test_printed_documents_stay_chinese_for_an_english_reader(demo, english, tmp_path):
    """The PDFs are official documents: Chinese whatever language the page was read in."""
    from .catalog.test_guides import pdf_text

    bundle = Bundle.objects.filter(status="published").order_by("code").first()
    item = ServiceItem.objects.filter(published_version__isnull=False).order_by("code").first()
    notice = pdf_text(english.get(f"/guide/bundle/{bundle.code}/pdf").content, tmp_path)
    assert "一、办理要点" in notice and "Key facts" not in notice
    assert "最多跑" in notice or "0 次" in notice
    guide = pdf_text(english.get(f"/guide/item/{item.code}/pdf").content, tmp_path)
    assert "Where to go" not in guide and "Working day" not in guide
    assert re.search(r"\d{4} 年 \d+ 月 \d+ 日", guide)
    # and the page itself was English
    assert "Key facts" in english.get(f"/guide/bundle/{bundle.code}/notice/").content.decode()


@pytest.mark.django_db
def test_error_pages_in_english(demo, english):
    """The error pages (issue 6's renderer) in both shells, read in English."""
    from yiwang.org.models import User

    data = data_strings()
    portal = english.get("/no-such-page/")
    assert portal.status_code == 404
    assert "Page not found" in portal.content.decode()
    assert "Back to the home page" in portal.content.decode()
    english.force_login(User.objects.get(username="bureau"))
    workbench = english.get("/workbench/no-such-page/")
    assert workbench.status_code == 404
    assert "Back to the workbench home" in workbench.content.decode()
    left = [chrome_left(r.content.decode(), data) for r in (portal, workbench)]
    assert left == [[], []], f"Chinese left in the English error pages: {left}"
