"""Encryption at rest for secrets the server must read back (API private keys, webhook secrets):
Fernet with a key derived from SECRET_KEY, so a database dump alone does not reveal them."""
import base64
import hashlib

from cryptography.fernet import Fernet
from flask import current_app


def _fernet() -> Fernet:
    digest = hashlib.sha256(("proctora-secrets:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
