"""MaskPersonalDataFilter: no handler sees a clear ID or mobile number."""

from __future__ import annotations

import io
import logging

import pytest

from yiwang.common.logging import MaskPersonalDataFilter
from yiwang.common.personal import PersonalValue

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
