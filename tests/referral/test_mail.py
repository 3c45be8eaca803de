"""The mail layer itself refuses header injection (whatever the forms let through)."""

import re
from email import message_from_bytes, policy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral_app.mail import UnsafeHeader, build_message

INJECTIONS = [
    "\r\nBcc: evil@attacker.example", "\nTo: evil@attacker.example", "\rCc: evil@attacker.example",
    "=?utf-8?q?evil=0D=0ABcc:_evil@attacker.example?=", "\r\n\r\nBody", "\x00",
    "\u2028Bcc: evil@attacker.example", "\x85Bcc: evil@attacker.example",
    "%0d%0aBcc: evil@attacker.example", ">, evil@attacker.example", ", evil@attacker.example",
    " <evil@attacker.example>", "; evil@attacker.example",
]
# Every character Python splits lines on (the email package treats them all as line breaks).
LINE_BREAKS = "".join(chr(c) for c in range(0x3000) if len(f"a{chr(c)}b".splitlines()) > 1)
LINE_BREAK_OR_WORD = re.compile(f"[\x00{re.escape(LINE_BREAKS)}]|=\\?.*\\?=", re.DOTALL)
HEADERS = {"From", "To", "Subject", "Message-ID", "Auto-Submitted", "Content-Type",
           "Content-Transfer-Encoding", "MIME-Version"}
pytestmark = pytest.mark.one_database  # no database involved
ONE_ADDRESS = re.compile(r"[^@\s,;<>\"()]+@[^@\s,;<>\"()]+")


def expected_refusal(field: str, value: str) -> bool:
    """A line break (any that Python splits lines on), NUL or an encoded word in any header,
    or a To that is not one address."""
    return bool(LINE_BREAK_OR_WORD.search(value)) or (
        field == "to" and not ONE_ADDRESS.fullmatch(value))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["to", "subject"]), payload=st.sampled_from(INJECTIONS),
       prefix=st.text(alphabet="abc@.xyz -", max_size=6),
       extra=st.text(max_size=4))
def test_injected_headers_are_refused_or_inert(app, field, payload, prefix, extra):
    to, subject = "kees@example.org", "Je aanmelding BK-7KQ2-M9XD is ontvangen"
    value = (to if field == "to" else subject) + prefix + payload + extra
    args = {"to": to, "subject": subject, field: value}
    with app.app_context():
        if expected_refusal(field, value):
            with pytest.raises(UnsafeHeader):
                build_message(args["to"], args["subject"], "mail/status.txt", reference="BK",
                              offer_title="Aanbod", status="Nieuw", reason=None)
            return
        msg = build_message(args["to"], args["subject"], "mail/status.txt", reference="BK",
                            offer_title="Aanbod", status="Nieuw", reason=None)
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed.get_all("To") == [args["to"]]
    # The same words (folding a long header may change the white space around them).
    assert parsed["Subject"].split() == args["subject"].split()
    assert set(parsed.keys()) == HEADERS  # nothing injected


@pytest.mark.parametrize("to", ["kees@example.org, evil@attacker.example",
                                "Kees <kees@example.org>", "kees@example.org\r\nBcc: x@y.z",
                                "=?utf-8?q?kees?= <kees@example.org>", ""])
def test_recipient_must_be_exactly_one_plain_address(app, to):
    with app.app_context(), pytest.raises(UnsafeHeader):
        build_message(to, "Onderwerp", "mail/status.txt", reference="BK", offer_title="A",
                      status="Nieuw", reason=None)
