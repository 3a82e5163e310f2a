"""MaskPersonalDataFilter: no handler sees a clear ID or mobile number."""

from __future__ import annotations

import io
import logging

import pytest

from tests.pii_scan import clear_personal_numbers
from yiwang.common.logging import MaskPersonalDataFilter
from yiwang.common.personal import PersonalValue
from yiwang.common.validators import id_number_with_check

ID_NUMBER = "340104199001011234"
PHONE = "13812345678"


@pytest.fixture
def log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPersonalDataFilter())
    logger = logging.getLogger("yiwang.tests.masking")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_message_and_arguments_are_masked(log):
    logger, stream = log
    logger.info("申请人 %s 电话 %s", ID_NUMBER, PHONE)
    logger.warning(f"直接拼接的 {PHONE}")
    out = stream.getvalue()
    assert ID_NUMBER not in out and PHONE not in out
    assert "申请人 3401**********1234 电话 138****5678" in out
    assert "直接拼接的 138****5678" in out


def test_personal_values_print_masked(log):
    logger, stream = log
    logger.info("value=%s repr=%r", PersonalValue(PHONE, "phone"), PersonalValue(PHONE, "phone"))
    assert PHONE not in stream.getvalue()
    assert "value=138****5678 repr=<PersonalValue phone 138****5678>" in stream.getvalue()


def test_traceback_is_masked(log):
    logger, stream = log
    try:
        raise ValueError(f"无效的身份证号 {ID_NUMBER}")
    except ValueError:
        logger.exception("校验失败")
    out = stream.getvalue()
    assert "Traceback" in out and "ValueError" in out
    assert ID_NUMBER not in out
    assert "3401**********1234" in out


def test_stack_info_is_masked(log):
    logger, stream = log
    # The stack shows source lines, so the number must be on the logging line itself.
    logger.info("查询", stack_info=True)  # 来电 13812345678
    out = stream.getvalue()
    assert "Stack (most recent call last)" in out
    assert "来电 138****5678" in out and PHONE not in out


def test_unrelated_records_are_untouched_and_broken_ones_pass(log):
    logger, stream = log
    logger.info("共 %d 件，编号 %s", 3, "A-001")
    assert "共 3 件，编号 A-001" in stream.getvalue()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d", ("not a number",), None)
    assert MaskPersonalDataFilter().filter(record) is True


def test_project_logging_config_uses_the_filter(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert "mask_personal_data" in handler["filters"]
    assert settings.LOGGING["filters"]["mask_personal_data"]["()"].endswith(
        "MaskPersonalDataFilter"
    )


# --- URLs in log lines, gunicorn, Django's own loggers -----------------------------------------


VALID_ID = id_number_with_check("34010419900101123")
NEXT = "GET /accounts/sign-in/?next=%2Faccounts%2Fapplicants%2F%3Fid_number%3D"


@pytest.mark.parametrize(
    "line",
    [
        f"GET /api/catalog/search/?q={PHONE} HTTP/1.1",
        "GET /api/catalog/search/?q=138%201234%205678 HTTP/1.1",
        "GET /search/?q=%2B86+138-1234-5678 HTTP/1.1",
        f"{NEXT}{VALID_ID} HTTP/1.1",
        "GET /accounts/sign-in/?next=%2Fa%2F%3Fq%3D138%25201234%25205678 HTTP/1.1",
        f"GET /guide/item/{VALID_ID}/ HTTP/1.1",
    ],
)
def test_request_lines_are_masked_in_their_decoded_form(log, line):
    logger, stream = log
    assert clear_personal_numbers(line)  # the scanner sees what is there
    logger.info('"%s" 404 0', line)
    assert clear_personal_numbers(stream.getvalue()) == []
    assert "****" in stream.getvalue()


def test_mask_log_text_leaves_ordinary_urls_alone():
    from yiwang.common.logging import mask_log_text

    line = "GET /api/catalog/items/?name=%E5%A9%9A%E5%A7%BB&limit=20 HTTP/1.1"
    assert mask_log_text(line) == line


def _gunicorn_logger(capsys):  # type: ignore[no-untyped-def]
    from gunicorn.config import Config

    from yiwang.common.logging import MaskingGunicornLogger

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("errorlog", "-")
    return MaskingGunicornLogger(cfg)


def test_gunicorn_access_line_is_masked(capsys):
    import datetime as dt
    from types import SimpleNamespace

    logger = _gunicorn_logger(capsys)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/catalog/search/?q={PHONE}",
        "PATH_INFO": "/api/catalog/search/",
        "QUERY_STRING": f"q={PHONE}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"http://x/applicants/?id_number={ID_NUMBER}",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(resp, req, environ, dt.timedelta(milliseconds=3))
    logger.error("Invalid request from ip=127.0.0.1: %s", f"/x?{PHONE}")
    out = capsys.readouterr()
    text = out.out + out.err
    assert "/api/catalog/search/?q=138****5678" in text
    assert PHONE not in text and ID_NUMBER not in text
    assert "3401**********1234" in text


def test_serve_uses_the_masking_logger():
    from pathlib import Path

    import yiwang.common.management.commands.serve as serve

    source = Path(serve.__file__).read_text(encoding="utf-8")
    assert '"logger_class": "yiwang.common.logging.MaskingGunicornLogger"' in source


def test_django_loggers_go_through_the_masking_handler(settings):
    loggers = settings.LOGGING["loggers"]
    assert loggers["django"]["handlers"] == [] and loggers["django"]["propagate"]
    assert loggers["django.server"]["handlers"] == ["console"]


def test_runserver_request_line_is_masked(capsys, settings):
    """django.server (runserver) had its own unmasked handler from Django's defaults."""
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /?q={PHONE} HTTP/1.1", 200, 5)
    logging.getLogger("django.request").warning("Not Found: /guide/%s/", ID_NUMBER)
    err = capsys.readouterr().err
    assert "138****5678" in err and "3401**********1234" in err
    assert PHONE not in err and ID_NUMBER not in err


def test_only_the_url_word_is_decoded():
    from yiwang.common.logging import mask_log_text

    line = '[01/Dec/2026:16:25:44 +0800] "GET /s/?q=138%201234%205678 HTTP/1.1" 200'
    assert (
        mask_log_text(line) == '[01/Dec/2026:16:25:44 +0800] "GET /s/?q=138****5678 HTTP/1.1" 200'
    )


@pytest.mark.parametrize(
    "line",
    [
        '"GET /open311/v2/requests.json?api_key=yk_9f8e7d6c5b4a3210&status=open HTTP/1.1" 200',
        '"GET /open311/v2/requests.json?status=open&API_KEY=yk_9f8e7d6c5b4a3210 HTTP/1.1" 200',
        "callback with access_token=yk_9f8e7d6c5b4a3210",
    ],
)
def test_secret_query_parameters_are_hidden(log, line):
    logger, stream = log
    logger.info(line)
    out = stream.getvalue()
    assert "yk_9f8e7d6c5b4a3210" not in out
    assert "=***" in out
