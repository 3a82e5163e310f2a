"""Case pages, one module per area."""

from django.utils.translation import gettext_noop

# The selectors' not-found sentences (cases.selectors: CASE_NOT_FOUND …), marked here: the error
# page shows them in the reader's language (common.errors.render_error), the API in Chinese.
NOT_FOUND = (
    gettext_noop("未找到该办件。"),
    gettext_noop("未找到该材料。"),
    gettext_noop("未找到该文书。"),
    gettext_noop("没有这个队列。"),
)
