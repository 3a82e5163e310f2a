"""The licence file (docs/licenses.md): written by `yiwang license export`, read by `verify`.

{"license": {…, "status": …}, "canonical": "<base64 of the signed bytes>",
 "seal": {"algorithm": "SM2-SM3", "user_id": "1234567812345678", "issuer": USCC,
          "key_id": …, "public_key": "04…", "signature": "r‖s hex"}}
"""

from __future__ import annotations

import base64
import json
from typing import Any

from yiwang.licenses import sealing
from yiwang.licenses.models import License

SEAL_MEMBERS = ("algorithm", "user_id", "issuer", "key_id", "public_key", "signature")
MAX_FILE_BYTES = 1_000_000


class UnreadableFile(ValueError):
    """Not a licence file at all: not UTF-8 JSON, or without its three members."""


def sealed_content(license: License) -> dict[str, Any]:
    """The licence object the seal covers, read back from the stored canonical bytes (so the
    file always carries exactly what was signed, whatever changed in the tables since)."""
    content = json.loads(bytes(license.canonical))
    content.pop("format", None)
    return content


def license_file(license: License) -> dict[str, Any]:
    """The licence file of `license`: its sealed content with the status now, the signed bytes
    and the seal. The holder's ID number is in it only masked (as it was sealed)."""
    key = license.seal_key
    return {
        "license": {**sealed_content(license), "status": license.status},
        "canonical": base64.b64encode(bytes(license.canonical)).decode("ascii"),
        "seal": {
            "algorithm": sealing.ALGORITHM,
            "user_id": sealing.USER_ID,
            "issuer": license.issuer.uscc,
            "key_id": key.key_id,
            "public_key": key.public_key,
            "signature": license.signature,
        },
    }


def dumps(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two members of one name read differently in different parsers: refuse the file.
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise UnreadableFile(f"文件中成员“{name}”出现了两次。")
        seen[name] = value
    return seen


def read(data: bytes) -> dict[str, Any]:
    """Parse a licence file; UnreadableFile says why it cannot be read as one."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("文件过大，不是电子证照文件。")
    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        raise UnreadableFile("文件不是 UTF-8 编码的文本。") from None
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            f"文件不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）。"
        ) from None
    if not isinstance(document, dict):
        raise UnreadableFile("文件内容应为 JSON 对象。")
    missing = [m for m in ("license", "canonical", "seal") if m not in document]
    if missing:
        raise UnreadableFile(f"文件缺少 {'、'.join(missing)}，不是电子证照文件。")
    if not isinstance(document["license"], dict) or not isinstance(document["seal"], dict):
        raise UnreadableFile("文件中的 license 和 seal 应为对象。")
    if not isinstance(document["canonical"], str):
        raise UnreadableFile("文件中的 canonical 应为 base64 文本。")
    missing = [m for m in SEAL_MEMBERS if not isinstance(document["seal"].get(m), str)]
    if missing:
        raise UnreadableFile(f"文件的 seal 缺少 {'、'.join(missing)}。")
    return document
