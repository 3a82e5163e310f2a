"""QR codes of rating links (segno, as the guides' codes): printed on a case's decision notice,
shown by a window's device or printed at the window."""

from __future__ import annotations

from yiwang.evaluations.tokens import case_token, rating_url, window_token

# Notices whose case is concluded: the citizen can rate it as soon as he holds the paper.
RATED_NOTICE_KINDS = frozenset({"approval", "refusal"})


def _svg_uri(url: str) -> str:
    from yiwang.catalog.guides.pdf import qr_svg_data_uri

    return qr_svg_data_uri(url)


def case_rating_qr(case_id: int) -> str:
    """An SVG data URI of the case's signed rating link."""
    return _svg_uri(rating_url(case_token(case_id)))


def window_rating_qr(window_id: int) -> str:
    return _svg_uri(rating_url(window_token(window_id)))


def notice_rating_qr(kind: str, case_id: int) -> str:
    """The QR of a notice of `kind`: a decision notice's case rating code, else none ("")."""
    return case_rating_qr(case_id) if kind in RATED_NOTICE_KINDS else ""
