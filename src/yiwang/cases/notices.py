"""Written notices of a case (受理通知书, 不予受理通知书, 补正告知书 …) as printable PDFs.

What a notice says is frozen in CaseNotice.content when the service issues it; the PDF is
rendered from that content on the first download and kept in storage, so issuing a notice
costs a row, not a WeasyPrint run, and a notice reads the same however often it is printed."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from yiwang.cases.fields import NoticeKind
from yiwang.cases.models import CaseNotice
from yiwang.common.pdf import render_pdf


def notice_context(notice: CaseNotice) -> dict[str, object]:
    # A decision notice carries the case's rating QR (好差评): the evaluations app signs it.
    from yiwang.evaluations.qr import notice_rating_qr

    return {
        "notice": notice,
        "title": NoticeKind(notice.kind).label,
        "c": notice.content,
        "county": settings.YIWANG_COUNTY_NAME,
        "rating_qr": notice_rating_qr(notice.kind, notice.case_id),
    }


def notice_pdf(notice: CaseNotice) -> bytes:
    """The notice as a PDF (A4, Chinese fonts from the system)."""
    return render_pdf("cases/pdf/notice.html", notice_context(notice))


def notice_file(notice: CaseNotice) -> CaseNotice:
    """The notice with its PDF stored: rendered now if it has none yet. Two first downloads
    at once render twice but store one file (the conditional update keeps the first)."""
    if notice.pdf:
        return notice
    data = notice_pdf(notice)
    name = f"{notice.number}.pdf"
    with transaction.atomic():
        locked = CaseNotice.objects.select_for_update().get(pk=notice.pk)
        if not locked.pdf:
            locked.pdf.save(name, ContentFile(data), save=True)
    notice.refresh_from_db()
    return notice
