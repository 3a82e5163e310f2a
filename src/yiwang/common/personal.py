"""Personal data at rest: SM4-encrypted model fields with a keyed SM3 hash for exact lookup.

A value read from an :class:`EncryptedPersonalField` is a :class:`PersonalValue`: its ``str()``
and ``repr()`` are masked, so templates, serializers, exports and logs show the masked form by
default. The clear text is only reachable through ``reveal()``, which the audited service
``yiwang.audit.services.personal_data_reveal`` calls after checking permission.

Find a row by value through its hash field::

    Applicant.objects.filter(id_number_hash=personal_hash("id_number", text))

Filtering on the encrypted column itself is refused (each value has a random nonce, so an
equality test would silently match nothing). See docs/personal-data.md.
"""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models.lookups import Exact

from .crypto import DecryptionError, hmac_sm3_hex, is_envelope, sm4_decrypt, sm4_encrypt
from .masking import mask

KINDS = ("id_number", "phone")


def normalise(kind: str, value: str) -> str:
    """The canonical form that is encrypted and hashed: full-width characters folded to ASCII,
    spaces removed; ID numbers upper-case (x → X); phones without separators or +86."""
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(value.split())
    if kind == "id_number":
        return value.upper()
    value = value.replace("-", "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix) and len(value) == len(prefix) + 11:
            return value[len(prefix) :]
    return value


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
        if kind not in KINDS:
            raise ValueError(f"unknown personal-data kind {kind!r}")
        self._plain = normalise(kind, str(plain))
        self.kind = kind

    def reveal(self) -> str:
        """The clear text. Callers outside the audit services must not show it to anyone."""
        return self._plain

    @property
    def masked(self) -> str:
        return mask(self.kind, self._plain)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<PersonalValue {self.kind} {self.masked}>"

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

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


class _BlankOnlyExact(Exact):
    """`field=""` (is it empty?) is fine; `field="<value>"` can never match a random-nonce
    ciphertext, so it is an error rather than a silent empty result."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "" and not hasattr(self.rhs, "resolve_expression"):
            raise ValueError(
                f"加密字段 {self.lhs.target.name} 不能按明文查询，"
                f"请用 personal_hash() 查询其哈希字段。"
            )
        return super().get_prep_lookup()


class EncryptedPersonalField(models.TextField):
    """Stores an ID number or phone SM4-encrypted; keeps `hash_field` in step for lookups.

    The hash field must be a CharField(max_length>=64) declared after this field (bulk_create
    computes values in declaration order). Write values with ``save()`` (or ``bulk_create``):
    ``QuerySet.update()`` with clear text is refused because it would leave the hash stale.
    """

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

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_hash_field()]

    def _check_hash_field(self) -> list[checks.CheckMessage]:
        if not self.hash_field:
            return []
        opts = self.model._meta
        try:
            other = opts.get_field(self.hash_field)
        except FieldDoesNotExist:
            return [
                checks.Error(
                    f"hash_field {self.hash_field!r} is not a field of {opts.label}.",
                    obj=self,
                    id="yiwang.E101",
                )
            ]
        errors: list[checks.CheckMessage] = []
        if not isinstance(other, models.CharField) or (other.max_length or 0) < 64:
            errors.append(
                checks.Error(
                    f"hash_field {self.hash_field!r} must be a CharField with max_length >= 64.",
                    obj=self,
                    id="yiwang.E102",
                )
            )
        concrete = list(opts.concrete_fields)
        if other in concrete and concrete.index(other) < concrete.index(self):
            errors.append(
                checks.Error(
                    f"hash_field {self.hash_field!r} must be declared after {self.name!r}.",
                    obj=self,
                    id="yiwang.E103",
                )
            )
        return errors

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _BlankOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # contains, in, startswith … cannot work on ciphertext

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, PersonalValue):
            return value
        if value == "":
            return ""
        if is_envelope(value):
            # Deserialisation (loaddata) hands back what value_to_string wrote: a ciphertext.
            try:
                return PersonalValue(sm4_decrypt(value), self.kind)
            except DecryptionError as exc:
                raise ValidationError(f"{self.verbose_name}的密文无法解密。") from exc
        return PersonalValue(str(value), self.kind)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return PersonalValue(sm4_decrypt(value), self.kind)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, PersonalValue):
            return sm4_encrypt(value.reveal())
        if is_envelope(value):
            return value  # already encrypted: key rotation, copies between rows
        if self.hash_field and not hasattr(value, "resolve_expression"):
            # Only QuerySet.update()/bulk_update() get here with clear text (save() wraps it
            # in pre_save); the hash field would keep the old value.
            raise ValueError(
                f"加密字段 {self.name} 不能用 QuerySet.update() 写入明文（哈希字段 "
                f"{self.hash_field} 不会同步），请赋值后调用 save()。"
            )
        return sm4_encrypt(normalise(self.kind, str(value)))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self._personal_value(model_instance)
        if self.hash_field:
            setattr(model_instance, self.hash_field, self.hash_of(value))
        return value

    def _personal_value(self, model_instance: models.Model) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str) and value:
            value = self.to_python(value)
            setattr(model_instance, self.attname, value)
        return value

    def hash_of(self, value: Any) -> str:
        """The lookup hash stored in `hash_field` for `value` ("" for an empty value)."""
        if not value:
            return ""
        plain = value.reveal() if isinstance(value, PersonalValue) else str(value)
        return personal_hash(self.kind, plain)

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        value = super().clean(value, model_instance)
        # full_clean() validates constraints on the hash field (uniqueness) right after
        # clean_fields(), before save() would compute it.
        if self.hash_field and model_instance is not None:
            setattr(model_instance, self.hash_field, self.hash_of(value))
        return value

    def run_validators(self, value: Any) -> None:
        # Validators (validate_id_number …) expect the clear string.
        super().run_validators(value.reveal() if isinstance(value, PersonalValue) else value)

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata, fixtures) writes ciphertext, never clear text; loaddata
        # decrypts it again in to_python.
        value: Any = self.value_from_object(obj)
        if not value:
            return ""
        plain = value.reveal() if isinstance(value, PersonalValue) else normalise(self.kind, value)
        return sm4_encrypt(plain)

    def formfield(self, **kwargs: Any) -> Any:
        return None  # never edited through generic forms (admin, ModelForm)


def personal_fields(model: type[models.Model]) -> list[EncryptedPersonalField]:
    """The encrypted personal fields of `model` (concrete fields only)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedPersonalField)]


def sync_personal_hashes(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """pre_save receiver (connected in CommonConfig.ready): keep every hash field in step, also
    for raw saves (loaddata skips Field.pre_save), and refuse `save(update_fields=…)` that
    names an encrypted field without its hash field."""
    update_fields = kwargs.get("update_fields")
    for field in personal_fields(sender):
        if not field.hash_field:
            continue
        if (
            update_fields is not None
            and field.name in update_fields
            and field.hash_field not in update_fields
        ):
            raise ValueError(
                f"save(update_fields=…) 含 {field.name} 时必须同时含 {field.hash_field}。"
            )
        value = field._personal_value(instance)
        setattr(instance, field.hash_field, field.hash_of(value))


if TYPE_CHECKING:
    _JSONBase = models.Field[Any, Any]
else:
    _JSONBase = models.Field


class EncryptedJSONField(_JSONBase):
    """A JSON document stored SM4-encrypted as a whole (an application form, a delivery
    address): it holds personal data whose keys are not known in advance. Not searchable;
    masking on output is the presenter's job (by the form field's type)."""

    description = "SM4-encrypted JSON"

    def get_internal_type(self) -> str:
        return "TextField"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return {}
        return json.loads(sm4_decrypt(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and is_envelope(value):
            return json.loads(sm4_decrypt(value))
        if isinstance(value, str):
            return json.loads(value) if value else {}
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and is_envelope(value):
            return value
        return sm4_encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def value_to_string(self, obj: models.Model) -> str:
        return str(self.get_prep_value(self.value_from_object(obj)))
