"""A platform's signing side for the launch tests: RSA keys, a real JWKS endpoint on 127.0.0.1 (counting its
requests) and id_tokens signed as a platform signs them."""
from __future__ import annotations

import json
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.http_receiver import GetServer
from webapp.core.clock import utcnow

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


class KeyServer:
    """Serves {"keys": [...]} of its published keys at /jwks; `rotate()` adds a key and signs with it."""

    def __init__(self, issuer: str = "https://lms.example.edu", client_id: str = "proctora-client",
                 deployment_id: str = "deployment-1"):
        self.issuer, self.client_id, self.deployment_id = issuer, client_id, deployment_id
        self.keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.published: list[str] = []
        self.jwks_requests = 0
        self.rotate()
        self._server = GetServer(self._jwks)
        self.jwks_url = self._server.url("/jwks")

    def _jwks(self, path: str) -> tuple[str, bytes]:
        self.jwks_requests += 1
        return "application/json", json.dumps({"keys": [self.public_jwk(kid) for kid, _ in self.keys
                                                        if kid in self.published]}).encode()

    def rotate(self, *, publish: bool = True) -> str:
        kid = uuid.uuid4().hex
        self.keys.append((kid, rsa.generate_private_key(public_exponent=65537, key_size=2048)))
        if publish:
            self.published.append(kid)
        return kid

    def public_jwk(self, kid: str) -> dict:
        key = dict(self.keys)[kid]
        return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "RS256",
                "use": "sig"}

    def id_token(self, nonce: str, *, sub: str = "learner-1", roles=(LEARNER,), key=None, kid=None,
                 **changes) -> str:
        now = int(utcnow().timestamp())
        claims = {
            "iss": self.issuer, "aud": self.client_id, "sub": sub, "iat": now, "exp": now + 300, "nonce": nonce,
            "email": f"{sub}@students.example.edu", "given_name": "Lea", "family_name": "Learner",
            CLAIM + "message_type": "LtiResourceLinkRequest", CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id, CLAIM + "roles": list(roles),
            CLAIM + "target_link_uri": "http://proctora.localhost/lti/launch",
            CLAIM + "resource_link": {"id": "link-1", "title": "Final test"},
            CLAIM + "context": {"id": "course-1", "title": "French B2"},
            CLAIM + "launch_presentation": {"document_target": "iframe",
                                            "return_url": "https://school.lms-cloud.example/courses/1/return"},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitems": "https://lms.example.edu/api/lti/courses/1/line_items",
                "lineitem": "https://lms.example.edu/api/lti/courses/1/line_items/7"},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": "https://lms.example.edu/api/lti/courses/1/names_and_roles",
                "service_versions": ["2.0"]},
        }
        for name, value in changes.items():
            name = {"message_type": CLAIM + "message_type", "version": CLAIM + "version",
                    "deployment_id": CLAIM + "deployment_id", "custom": CLAIM + "custom"}.get(name, name)
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        kid = kid or self.keys[-1][0]
        return jwt.encode(claims, key or dict(self.keys)[kid], algorithm="RS256", headers={"kid": kid})

    def close(self):
        self._server.close()
