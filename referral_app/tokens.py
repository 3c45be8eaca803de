"""Provider links: the token is derived from a stored seed and the secret key, so neither the
database alone nor the outbox ever holds a link that opens; only the token's hash is kept."""

import base64
import hashlib
import hmac
import secrets


def new_seed() -> str:
    """A random seed for one provider link (256 bits)."""
    return secrets.token_hex(32)


def link_token(secret_key: str, seed: str) -> str:
    """The token in the provider's link: HMAC-SHA256 of the seed under the secret key."""
    digest = hmac.new(str(secret_key).encode(), b"provider-link\0" + seed.encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """What the database keeps to look a link up: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()
