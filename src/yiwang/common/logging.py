"""Log filter that masks ID numbers and mobile numbers in every log record."""

from __future__ import annotations

import logging

from .masking import mask_text

_formatter = logging.Formatter()


class MaskPersonalDataFilter(logging.Filter):
    """Rewrites the message (after %-formatting with its args), the traceback and the stack of
    a record so no handler downstream sees a clear ID or mobile number."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not ours
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when set; exception messages often quote input.
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
