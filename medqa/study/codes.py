"""Rater access codes and sign-in tokens: only their hashes are ever stored.

An access code looks like `K7QF-M2XD-9PRT-WB4C`. A SHA-256 of the whole code is its lookup key (it
finds the rater's row without trying every hash; with 80 random bits behind it, it gives nothing
away), and the whole code is then checked against a salted scrypt hash (hashlib, memory-hard, so a
stolen database does not give the codes away cheaply). A sign-in does the same work whether or not
any part of the code is right: one scrypt comparison, against a dummy hash when no row matched,
so the time taken tells nothing (an older key made of the first group alone did: a code whose first
group was a rater's took longer). The
alphabet leaves out 0/O and 1/I/L, which are misread when codes are read aloud or typed from
paper; input is upper-cased and dashes and spaces are ignored.

A sign-in creates a random session token kept in the rater's page; the database holds its
SHA-256 only (a token is already 256 random bits, so a fast hash is enough).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS, GROUP_LEN = 4, 4
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def new_code() -> str:
    """A fresh access code: 4 groups of 4 characters, 80 bits of randomness."""
    chars = [secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LEN)]
    return "-".join("".join(chars[i: i + GROUP_LEN]) for i in range(0, len(chars), GROUP_LEN))


def normalise_code(text: str) -> str:
    """The code as typed, upper-case, without spaces and dashes, grouped again; '' when it cannot be a code."""
    raw = "".join(ch for ch in str(text or "").upper() if ch not in " -\t")
    if len(raw) != GROUPS * GROUP_LEN or any(ch not in ALPHABET for ch in raw):
        return ""
    return "-".join(raw[i: i + GROUP_LEN] for i in range(0, len(raw), GROUP_LEN))


LOOKUP_PREFIX = "sha256:"


def code_lookup(code: str) -> str:
    """The key that finds a (normalised) code's rater: a hash of the whole code, never a part of it."""
    return LOOKUP_PREFIX + hashlib.sha256(code.encode()).hexdigest()


_DUMMY = None


def dummy_hash() -> str:
    """A stored-hash stand-in that no code matches: compared when no row did, so a miss costs what a hit does."""
    global _DUMMY  # one per process: made once, at the cost of one scrypt
    if _DUMMY is None:
        _DUMMY = hash_code(new_code().replace("-", "") + "!")
    return _DUMMY


def hash_code(code: str, *, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash` of a normalised code."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(code.encode(), salt=salt, **_SCRYPT, dklen=32)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_code(code: str, stored: str | None) -> bool:
    """True when `code` matches the stored hash (constant-time compare); False for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        mine = hashlib.scrypt(code.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(mine.hex(), digest)


def new_token() -> str:
    """A fresh sign-in token for one browser page."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the sessions table stores for a token."""
    return hashlib.sha256(str(token).encode()).hexdigest()
