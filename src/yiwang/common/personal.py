"""Personal data at rest: SM4-encrypted model fields with a keyed SM3 hash for exact lookup.

A value read from an :class:`EncryptedPersonalField` is a :class:`PersonalValue`: its ``str()``
and ``repr()`` are masked, so templates, serializers, exports and logs show the masked form by
default. The clear text is only reachable through ``reveal()``, which the audited service
``yiwang.audit.services.personal_data_reveal`` calls after checking permission.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from .crypto import hmac_sm3_hex, sm4_decrypt, sm4_encrypt
from .masking import mask

KINDS = ("id_number", "phone")


def normalise(kind: str, value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    return value.upper() if kind == "id_number" else value


def personal_hash(kind: str, value: str) -> str:
    """Keyed SM3 hash of a normalised value: equal inputs give equal hashes (exact lookup)."""
    if kind not in KINDS:
        raise ValueError(f"unknown personal-data kind {kind!r}")
    key = settings.YIWANG_PII_HASH_KEY.encode("utf-8")
    return hmac_sm3_hex(key, f"{kind}:{normalise(kind, value)}".encode())


class PersonalValue:
    """A personal-data value that prints masked. Use ``reveal()`` only behind an audited service."""

    __slots__ = ("_plain", "kind")

    def __init__(self, plain: str, kind: str) -> None:
        self._plain = normalise(kind, plain)
        self.kind = kind

    def reveal(self) -> str:
        return self._plain

    @property
    def masked(self) -> str:
        return mask(self.kind, self._plain)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<PersonalValue {self.kind} {self.masked}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PersonalValue):
            return self.kind == other.kind and self._plain == other._plain
        if isinstance(other, str):
            return self._plain == normalise(self.kind, other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.kind, self._plain))

    def __bool__(self) -> bool:
        return bool(self._plain)

    def __len__(self) -> int:
        return len(self._plain)


class EncryptedPersonalField(models.TextField):
    """Stores an ID number or phone SM4-encrypted; keeps `hash_field` in step for lookups."""

    description = "SM4-encrypted personal data"

    def __init__(self, *args: Any, kind: str = "id_number", hash_field: str = "", **kwargs: Any):
        if kind not in KINDS:
            raise ValueError(f"unknown personal-data kind {kind!r}")
        self.kind = kind
        self.hash_field = hash_field
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if self.hash_field:
            kwargs["hash_field"] = self.hash_field
        kwargs.pop("blank", None)
        if kwargs.get("default") == "":
            kwargs.pop("default")
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, PersonalValue):
            return value
        if value == "":
            return ""
        return PersonalValue(str(value), self.kind)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return PersonalValue(sm4_decrypt(value), self.kind)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, PersonalValue):
            value = value.reveal()
        if isinstance(value, str) and value.startswith("sm4gcm:"):
            return value
        return sm4_encrypt(normalise(self.kind, str(value)))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str) and value:
            value = PersonalValue(value, self.kind)
            setattr(model_instance, self.attname, value)
        if self.hash_field:
            digest = personal_hash(self.kind, value.reveal()) if value else ""
            setattr(model_instance, self.hash_field, digest)
        return value

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata, fixtures) never writes clear text.
        value = self.value_from_object(obj)
        return str(value) if value else ""

    def formfield(self, **kwargs: Any) -> Any:
        return None  # never edited through generic forms (admin, ModelForm)
