"""The two GeoReport v2 formats. A response is a Document: its XML root and item element
names and its rows (or, for a service definition, one object). JSON is the spec's "Spark"
mapping of the XML: the rows as an array (the object itself for a service definition). Both
are UTF-8 with the spec's content types; XML starts with its declaration."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from rest_framework.renderers import BaseRenderer

# A list inside an object (a service definition's attributes, an attribute's values): the
# element of each item.
_ITEM_OF = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


@dataclass
class Document:
    root: str
    item: str = ""
    rows: Sequence[Mapping[str, Any]] = field(default_factory=list)
    # A single object instead of rows (service_definition).
    obj: Mapping[str, Any] | None = None

    def json_value(self) -> Any:
        return self.obj if self.obj is not None else list(self.rows)


def errors(code: int, description: str) -> Document:
    """The spec's error document: [{code, description}] / <errors><error>…"""
    return Document("errors", "error", [{"code": code, "description": description}])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _element(name: str, value: Any, out: list[str]) -> None:
    if value is None or value == "":
        out.append(f"<{name}/>")
    elif isinstance(value, Mapping):
        out.append(f"<{name}>")
        for key, inner in value.items():
            _element(key, inner, out)
        out.append(f"</{name}>")
    elif isinstance(value, list | tuple):
        item = _ITEM_OF.get(name, "item")
        out.append(f"<{name}>")
        for inner in value:
            _element(item, inner, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_text(value)}</{name}>")


def to_xml(document: Document) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    if document.obj is not None:
        _element(document.root, document.obj, out)
    else:
        out.append(f"<{document.root}>")
        for row in document.rows:
            _element(document.item, row, out)
        out.append(f"</{document.root}>")
    return "\n".join(out) + "\n"


def to_json(document: Document) -> str:
    return json.dumps(document.json_value(), ensure_ascii=False)


class JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        if not isinstance(data, Document):
            data = errors(400, str(data))
        return to_json(data).encode()


class XMLRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        if not isinstance(data, Document):
            data = errors(400, str(data))
        return to_xml(data).encode()


CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def render(document: Document, fmt: str) -> tuple[bytes, str]:
    """The body and content type of a document outside DRF (the catch-all 404)."""
    fmt = fmt if fmt in CONTENT_TYPES else "xml"
    body = to_json(document) if fmt == "json" else to_xml(document)
    return body.encode(), CONTENT_TYPES[fmt]
