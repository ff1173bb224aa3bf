"""Secrets at rest (SEC-4): what must be read back (webhook signing secrets) is encrypted.

A webhook secret cannot be hashed like an API key: HMAC signing needs the secret itself on
every delivery. It is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, authenticated) under
`SECRETS_KEY`, which lives in the environment, never in the database, so a database dump
alone reveals no secret. `SECRETS_KEY` is a comma-separated list: the first key encrypts,
every key decrypts, so the key itself is rotated by putting a new key first and keeping
the old one after it.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def generate_key() -> str:
    return Fernet.generate_key().decode()


def parse_keys(value: str) -> list[Fernet]:
    keys = [part.strip() for part in value.split(",") if part.strip()]
    if not keys:
        raise ValueError("at least one key (generate one with `smm secrets-key`)")
    try:
        return [Fernet(key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ValueError(
            "each key must be 32 url-safe base64-encoded bytes (generate one with "
            "`smm secrets-key`)"
        ) from exc


class UndecryptableError(RuntimeError):
    """A token none of the `SECRETS_KEY` keys opens: the key was replaced, not rotated."""


class SecretBox:
    def __init__(self, keys: str) -> None:
        self._fernet = MultiFernet(parse_keys(keys))

    def encrypt(self, plaintext: str) -> str:
        return self.encrypt_bytes(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self.decrypt_bytes(token.encode()).decode()

    def encrypt_bytes(self, plaintext: bytes) -> bytes:
        """For what is not text, or need not become text: a stored response body."""
        return self._fernet.encrypt(plaintext)

    def decrypt_bytes(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise UndecryptableError(
                "a stored secret cannot be decrypted with SECRETS_KEY: was the key replaced "
                "instead of rotated (new key first, old key kept after it)?"
            ) from exc
