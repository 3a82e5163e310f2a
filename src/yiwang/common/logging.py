"""Log masking: no log line shows a clear ID or mobile number, wherever it comes from.

`MaskPersonalDataFilter` sits on the project's console handler (Django, the platform's own
loggers) and, through `MaskingGunicornLogger`, on gunicorn's error and access logs. Request
lines, query strings, `next=` targets and referrers are checked in their URL-decoded form too:
`?q=138%2012345678` or `next=%2Fapplicants%2F%3Fid_number%3D3401…` hide nothing from it.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger as GunicornLogger

from .masking import mask_text

_formatter = logging.Formatter()
# A secret sent as a query parameter (an outside system's API key put in a GET's URL, which the
# API ignores) must not be kept by the access log either.
_SECRET_PARAM_RE = re.compile(r"(?i)\b(api_key|apikey|access_token)=[^&\s\"']+")
# A run of non-space characters holding a percent escape or a plus (a URL or part of one).
_URL_WORD_RE = re.compile(r"[^\s\"']*[%+][^\s\"']*")


def _mask_url_token(match: re.Match[str]) -> str:
    token = match.group(0)
    decoded = unquote_plus(unquote_plus(token))
    masked = mask_text(decoded)
    # Keep the raw token unless decoding revealed a number ("+0800" stays as it is).
    return masked if masked != decoded else token


def mask_log_text(text: str) -> str:
    """`mask_text`, and for every URL-encoded word (a request line, a query string, a
    referrer) `mask_text` of its decoded form.

    The value of an `api_key=` (or `access_token=`) parameter becomes `***`.

    Decoded twice, because a `next=` target is a URL inside a URL. A word is replaced by its
    decoded, masked form only when decoding shows a number the raw word hides.
    """
    masked = _SECRET_PARAM_RE.sub(r"\1=***", mask_text(text))
    if "%" not in masked and "+" not in masked:
        return masked
    return _URL_WORD_RE.sub(_mask_url_token, masked)


class MaskPersonalDataFilter(logging.Filter):
    """Rewrites the message (after %-formatting with its args), the traceback and the stack of
    a record so no handler downstream sees a clear ID or mobile number."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not ours
            return True
        masked = mask_log_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when set; exception messages often quote input.
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_log_text(record.stack_info)
        return True


class MaskingGunicornLogger(GunicornLogger):
    """gunicorn's logger (`logger_class`) with the masking filter on its error and access
    handlers: the access line carries the raw request line, query string and referrer."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskPersonalDataFilter) for f in handler.filters):
                    handler.addFilter(MaskPersonalDataFilter())
