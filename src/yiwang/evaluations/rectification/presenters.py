"""Display code of rectification built from rows already read (no queries of its own beyond the
rating's relations the selectors read with it)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from yiwang.evaluations.models import Rectification


def subject_text(task: Rectification) -> str:
    """The rated service as pages name it: the case number, else the window."""
    rating = task.rating
    if rating.case is not None:
        return _("办件 %(number)s") % {"number": rating.case.number}
    if rating.window is not None:
        return _("窗口 %(name)s") % {"name": rating.window.name}
    return _("窗口服务")
