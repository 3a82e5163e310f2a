"""Reports how many requests the contract run sent, so that the size of a run is visible."""

from __future__ import annotations

import sys
from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    contract = sys.modules.get("tests.api.test_contract")
    requests = getattr(contract, "REQUESTS", None)
    if requests:
        terminalreporter.write_line(
            f"schemathesis: {sum(requests.values())} requests "
            f"({requests['positive']} positive, {requests['negative']} negative), "
            f"{contract.EXAMPLES} examples per role, mode and operation"  # type: ignore[union-attr]
        )
