"""Hashing and checking rater PINs and the coordinator password.

scrypt with a random salt per secret; the stored form is ``scrypt$salt$digest``
(hex), so a database copy does not reveal the secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import os


def hash_pin(pin: str) -> str:
    """The stored form of ``pin`` (or a password), salted."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str | None) -> bool:
    """True when ``secret`` matches ``stored``; no stored hash means no secret is required."""
    if not stored:
        return True
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)
