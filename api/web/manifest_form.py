"""The registration's metadata as a form, generated from the manifest's JSON Schema (`ledger.manifest.schema`, the
schema `docs/manifest.schema.json` is exported from): one field per property a registrant fills in, with the
schema's constraints as HTML constraints, so that the form follows the model when the model changes.

Each field is named by its dotted path in the manifest (`classification.grade`), the path the service's field
errors name (`api/routes/registrant.py::_validated`), so the page shows an error beside the field it is about.
The words (labels, the names of enum members) are the templates' (`_manifest_form.html`), translated there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from ledger.manifest.schema import manifest_schema
from ledger.vocabulary import IndustrySection

# Filled by the page or the service, not typed in: the binding and the signer (the service), the data commitment
# (the browser hashes the data), the evidence (uploaded after the draft exists) and the parents (the picker).
NOT_TYPED = frozenset(
    {
        "schema",
        "chain_id",
        "registry",
        "evidence_cid_profile",
        "registrant",
        "created_at",
        "data_commitment",
        "evidence",
        "parents",
    }
)
LONG_TEXT = 1000  # a string allowed longer than this is a paragraph: a text area
# Values offered while typing a free-form field (a code may go deeper than the offered section letter).
SUGGESTIONS: dict[str, tuple[str, ...]] = {"industry": tuple(IndustrySection)}


class Widget(StrEnum):
    """How a field is entered."""

    TEXT = "text"
    PARAGRAPH = "paragraph"
    CHOICE = "choice"  # one member of an enum
    CHOICES = "choices"  # a set of members of an enum (check boxes)
    YES_NO = "yes_no"
    DATE = "date"
    INTEGER = "integer"
    WORDS = "words"  # a list of short strings, typed comma-separated
    COMMITMENT = "commitment"  # a value only a salted commitment of which is registered (hashed in the browser)


@dataclass(frozen=True)
class FormField:
    """One field of the form, with the schema's constraints on it."""

    path: str
    widget: Widget
    required: bool
    group: str | None = None  # the object it belongs to (a fieldset), by its path
    enum: str | None = None  # the schema's name of the enum, which names the words of its members
    options: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    suggestions: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The last part of the path."""
        return self.path.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class FieldGroup:
    """An object of the manifest shown as a fieldset; an optional one is left out when none of its fields is filled."""

    path: str
    required: bool
    fields: tuple[FormField, ...]


def _resolved(schema: dict[str, Any], node: dict[str, Any]) -> tuple[dict[str, Any], str | None, bool]:
    """The node behind a `$ref` or an optional `anyOf [X, null]`, the name of its definition, and whether null is
    allowed."""
    nullable = False
    if "anyOf" in node:
        kinds = [option for option in node["anyOf"] if option.get("type") != "null"]
        nullable = len(kinds) < len(node["anyOf"])
        node = {**kinds[0], **{k: v for k, v in node.items() if k != "anyOf"}}
    name = None
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = {**schema["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node, name, nullable


def _field(schema: dict[str, Any], path: str, node: dict[str, Any], required: bool, group: str | None) -> FormField:
    node, name, _ = _resolved(schema, node)
    common: dict[str, Any] = {"path": path, "required": required, "group": group}
    if name == "Commitment":
        return FormField(widget=Widget.COMMITMENT, **common)
    if "enum" in node:
        return FormField(widget=Widget.CHOICE, enum=name, options=tuple(node["enum"]), **common)
    if node.get("type") == "array":
        items, item_name, _ = _resolved(schema, node["items"])
        if "enum" in items:
            return FormField(widget=Widget.CHOICES, enum=item_name, options=tuple(items["enum"]), **common)
        return FormField(
            widget=Widget.WORDS, min_length=items.get("minLength"), max_length=items.get("maxLength"), **common
        )
    if node.get("type") == "boolean":
        return FormField(widget=Widget.YES_NO, **common)
    if node.get("type") == "integer":
        return FormField(widget=Widget.INTEGER, minimum=node.get("minimum"), maximum=node.get("maximum"), **common)
    if node.get("format") == "date":
        return FormField(widget=Widget.DATE, **common)
    long = (node.get("maxLength") or 0) > LONG_TEXT
    return FormField(
        widget=Widget.PARAGRAPH if long else Widget.TEXT,
        min_length=node.get("minLength"),
        max_length=node.get("maxLength"),
        pattern=node.get("pattern"),
        suggestions=SUGGESTIONS.get(path, ()),
        **common,
    )


@cache
def manifest_form() -> tuple[FormField | FieldGroup, ...]:
    """The form's fields in the model's order; an object property (classification, source, time range, licence
    scope) is a group of its own fields."""
    schema = manifest_schema()
    manifest = schema["$defs"]["Manifest"]
    required = set(manifest.get("required", []))
    shown: list[FormField | FieldGroup] = []
    for name, node in manifest["properties"].items():
        if name in NOT_TYPED:
            continue
        resolved, definition, nullable = _resolved(schema, node)
        if resolved.get("type") == "object" and definition != "Commitment":
            inner = set(resolved.get("required", []))
            fields = tuple(
                _field(schema, f"{name}.{key}", child, key in inner, name)
                for key, child in resolved["properties"].items()
            )
            shown.append(FieldGroup(name, name in required and not nullable, fields))
        else:
            shown.append(_field(schema, name, node, name in required and not nullable, None))
    return tuple(shown)
