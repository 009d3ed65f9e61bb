"""Small builders for the two OpenAPI 3.1 documents, so that each reads as a list of endpoints."""
from __future__ import annotations


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
