"""The OpenAPI documents describe every route of their blueprint, and each is a document that
schemathesis (the CI's contract run) can load."""
import re

import pytest
import schemathesis

from webapp.api.euro_v1.openapi import document as euro_document
from webapp.api.mettl_v1.openapi import document as mettl_document


@pytest.mark.parametrize("blueprint, prefix, document", [("mettl_v1", "/v1/", mettl_document),
                                                         ("euro_v1", "/api/v1/", euro_document)])
def test_every_route_of_the_blueprint_is_in_its_document(app, blueprint, prefix, document):
    paths = document()["paths"]
    routes = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(f"{blueprint}.")]
    assert routes and all(rule.rule.startswith(prefix) for rule in routes)
    for rule in routes:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in paths, f"{rule.rule} is missing from the document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], f"{method} {rule.rule} is missing from the document"
    documented = {(path, method) for path, methods in paths.items() for method in methods}
    served = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in routes for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served


def test_the_mettl_document_names_every_error_code_it_answers():
    text = str(mettl_document())
    for code in ("E001", "E002", "E003", "E004", "E005", "E006", "E007", "E008", "E009", "E010", "E013", "E014",
                 "E015", "E016", "E017", "E019", "E020", "E022", "E034", "E401", "E403", "E405", "E422", "E504",
                 "E509", "E701", "E710", "E789"):
        assert code in text, code


@pytest.mark.parametrize("url", ["/v1/openapi.json", "/api/v1/openapi.json"])
def test_schemathesis_loads_the_served_documents(app, client, url):
    schema = schemathesis.openapi.from_dict(client.get(url).get_json())
    assert len(list(schema.get_all_operations())) == sum(len(methods) for methods in
                                                          client.get(url).get_json()["paths"].values())
