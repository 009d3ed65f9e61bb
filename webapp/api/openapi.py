"""Small builders for the two OpenAPI 3.1 documents, so that each reads as a list of endpoints."""
from __future__ import annotations

import json

# The edge guard (webapp/validation.py) refuses control characters in every value a request carries, but
# for the tab and line breaks of multi-line text in a body: the documents say so of every string sent.
ONE_LINE = "^[^\\x00-\\x1f\\x7f]*$"
TEXT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
ANY_JSON = "AnyJSONWithoutControlCharacters"


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
STRINGS = {"type": "array", "items": STRING}


def obj(properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    """An object with these properties, all required but the optional ones; more may be added later."""
    return {"type": "object", "properties": properties,
            "required": [name for name in properties if name not in optional]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def parameter(name: str, where: str, schema: dict, description: str, *, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema,
            "description": description}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def without_control_characters(document: dict) -> dict:
    """The document with a pattern on every string a request sends (parameters and bodies, and the
    components they refer to) and on the names of a body's properties, as the edge guard has it."""
    document = json.loads(json.dumps(document))   # a copy that shares no schema with the builders' constants
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for item in document["paths"].values():
        for operation in (value for value in item.values() if isinstance(value, dict)):
            for where in operation.get("parameters", []):
                if "schema" in where:
                    _restrict(where["schema"], ONE_LINE, schemas)
                for media in where.get("content", {}).values():
                    _restrict(media["schema"], TEXT, schemas)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _restrict(media["schema"], TEXT, schemas)
    # Properties a body may carry beyond those documented are ignored, but pass the guard all the same.
    schemas[ANY_JSON] = {"description": "Any JSON value without control characters (but layout in text).",
                         "anyOf": [{"type": ["null", "boolean", "number"]}, {"type": "string", "pattern": TEXT},
                                   {"type": "array", "items": ref(ANY_JSON)},
                                   {"type": "object", "propertyNames": {"pattern": ONE_LINE},
                                    "additionalProperties": ref(ANY_JSON)}]}
    return document


def _restrict(schema, pattern: str, schemas: dict, seen: set | None = None) -> None:
    seen = set() if seen is None else seen
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    if "$ref" in schema:
        _restrict(schemas.get(schema["$ref"].rsplit("/", 1)[-1]), TEXT, schemas, seen)
    if schema.get("type") == "string" and not ({"enum", "format", "contentMediaType"} & schema.keys()):
        if "pattern" in schema:
            schema.setdefault("allOf", []).append({"pattern": pattern})
        else:
            schema["pattern"] = pattern
    for key in ("properties", "patternProperties"):
        for child in schema.get(key, {}).values():
            _restrict(child, pattern, schemas, seen)
    for key in ("items", "additionalProperties", "not"):
        _restrict(schema.get(key), pattern, schemas, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for child in schema.get(key, []):
            _restrict(child, pattern, schemas, seen)
    if schema.get("type") == "object":
        schema["propertyNames"] = {"pattern": ONE_LINE}
        schema.setdefault("additionalProperties", ref(ANY_JSON))
