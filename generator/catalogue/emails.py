"""E-mail addresses as the schema checks them: pydantic's EmailStr, with a fast path.

EmailStr asks email-validator, which checks every character of the domain against the IDNA
tables (about 0.1 ms per address; 8 % of a build's time per offer). An address that is plain
lowercase ASCII in the one form email-validator leaves unchanged — a dot-atom local part, a
host name without "--", a top-level domain of letters, nothing reserved — is
accepted as it is; everything else goes to email-validator, which accepts or explains.
tests/catalogue/test_emails.py checks that every address the fast path accepts, email-validator
accepts unchanged.
"""

import re
from typing import Annotated

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import EmailStr, WrapValidator

ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"  # (lowercase: email-validator lowercases "Info@")
LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
PLAIN = re.compile(rf"{ATOM}(?:\.{ATOM})*@(?:{LABEL}\.)+[a-z]{{2,63}}")
LOCAL_MAX, ADDRESS_MAX, DOMAIN_MAX = 64, 254, 253
# a domain that is one of the special-use names or under one ("test", "x.invalid")
RESERVED = re.compile(r"(?:^|\.)(?:" + "|".join(map(re.escape, SPECIAL_USE_DOMAIN_NAMES))
                      + r")$")


def plain_address(value: object) -> bool:
    """True for an address email-validator would accept exactly as it is written."""
    if not isinstance(value, str) or len(value) > ADDRESS_MAX or not PLAIN.fullmatch(value):
        return False
    local, domain = value.rsplit("@", 1)
    return (len(local) <= LOCAL_MAX and len(domain) <= DOMAIN_MAX and "--" not in domain
            and not RESERVED.search(domain))


def _fast(value, handler):
    """The address itself when it is plain, else EmailStr's answer."""
    return value if plain_address(value) else handler(value)


Email = Annotated[EmailStr, WrapValidator(_fast)]
