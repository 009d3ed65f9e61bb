"""The tool's own signing keys: generated once (on first use), rotated by command. The newest unretired key
signs; the JWKS publishes it with the keys retired within KEEP_RETIRED, so that what an old key signed just
before a rotation still verifies at the platform."""
from __future__ import annotations

import json
import secrets
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import or_, select

from webapp.core import secrets_box
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.lti.models import LtiToolKey

KEEP_RETIRED = timedelta(days=30)
KEY_BITS = 2048


def _new_key() -> LtiToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    kid = secrets.token_urlsafe(16)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    public_jwk.update(kid=kid, alg="RS256", use="sig")
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    key = LtiToolKey(kid=kid, public_jwk=public_jwk, private_key_encrypted=secrets_box.encrypt(pem), created_at=utcnow())
    db.session.add(key)
    db.session.flush()
    return key


def signing_key() -> LtiToolKey:
    """The key that signs now; the first is made when first needed."""
    key = db.session.scalar(select(LtiToolKey).where(LtiToolKey.retired_at.is_(None))
                            .order_by(LtiToolKey.id.desc()).limit(1))
    return key or _new_key()


def rotate_keys() -> tuple[LtiToolKey, list[str]]:
    """A new signing key; the ones that signed until now are retired (still published for KEEP_RETIRED).
    Returns the new key and the kids retired."""
    retired = list(db.session.scalars(select(LtiToolKey).where(LtiToolKey.retired_at.is_(None))))
    for key in retired:
        key.retired_at = utcnow()
    return _new_key(), [key.kid for key in retired]


def published_keys() -> dict:
    """The JWKS: the signing key and the recently retired ones."""
    signing_key()
    keys = db.session.scalars(select(LtiToolKey).where(
        or_(LtiToolKey.retired_at.is_(None), LtiToolKey.retired_at > utcnow() - KEEP_RETIRED))
        .order_by(LtiToolKey.id.desc()))
    return {"keys": [key.public_jwk for key in keys]}


def sign(claims: dict) -> str:
    """A JWT signed with the current key, its kid in the header."""
    key = signing_key()
    return jwt.encode(claims, secrets_box.decrypt(key.private_key_encrypted), algorithm="RS256",
                      headers={"kid": key.kid})


def new_nonce() -> str:
    return secrets.token_urlsafe(24)
