"""The registration form is generated from the manifest's JSON Schema: every property a registrant types has a
field named by its path, with the schema's constraints; what the page or the service fills in has none."""

from __future__ import annotations

from api.web.manifest_form import NOT_TYPED, FieldGroup, FormField, Widget, manifest_form
from ledger.manifest.schema import manifest_schema
from ledger.vocabulary import Grade, IndustrySection, Right


def _fields() -> dict[str, FormField]:
    fields: dict[str, FormField] = {}
    for item in manifest_form():
        for field in item.fields if isinstance(item, FieldGroup) else (item,):
            fields[field.path] = field
    return fields


def test_every_property_a_registrant_types_has_a_field_and_no_other_does() -> None:
    properties = set(manifest_schema()["$defs"]["Manifest"]["properties"])
    top = {path.split(".")[0] for path in _fields()}
    assert top == properties - NOT_TYPED
    assert {"data_commitment", "evidence", "parents", "registrant"} <= NOT_TYPED


def test_fields_carry_the_schemas_constraints_and_enums() -> None:
    fields = _fields()
    assert (fields["title"].min_length, fields["title"].max_length, fields["title"].required) == (1, 200, True)
    assert fields["description"].widget is Widget.PARAGRAPH
    assert fields["industry"].pattern == "^[A-T](\\d{2}(\\d{1,2})?)?$"
    assert fields["industry"].suggestions == tuple(IndustrySection)
    assert fields["classification.grade"].options == tuple(Grade)
    assert fields["rights_claimed"].widget is Widget.CHOICES
    assert fields["rights_claimed"].options == tuple(Right)
    assert fields["time_range.end"].widget is Widget.DATE
    assert fields["business_owner"].widget is Widget.COMMITMENT
    assert (fields["authority_id"].minimum, fields["authority_id"].maximum) == (1, 65535)


def test_an_optional_object_is_an_optional_group() -> None:
    groups = {item.path: item for item in manifest_form() if isinstance(item, FieldGroup)}
    assert not groups["licence_scope"].required
    assert groups["time_range"].required
