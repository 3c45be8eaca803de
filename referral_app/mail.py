"""Mails: built with EmailMessage, sent over SMTP with STARTTLS and an explicit timeout."""

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template

# NUL, and everything Python counts as a line break (str.splitlines), and RFC 2047 words.
UNSAFE_HEADER = re.compile(r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|=\?.*\?=", re.DOTALL)
ONE_ADDRESS = re.compile(r"[^@\s,;<>\"()]+@[^@\s,;<>\"()]+")


class UnsafeHeader(ValueError):
    """A value meant for a mail header holds a line break or an encoded word."""


def safe_header(value: str) -> str:
    """Refuse line breaks, NUL and RFC 2047 encoded words in a header value (defence in
    depth: the forms refuse them first)."""
    if UNSAFE_HEADER.search(value):
        raise UnsafeHeader("refused an unsafe value for a mail header")
    return value


def one_address(value: str) -> str:
    """A recipient is exactly one plain address: no list, no display name, no comment."""
    if not ONE_ADDRESS.fullmatch(safe_header(value)):
        raise UnsafeHeader("refused a recipient that is not one plain address")
    return value


def build_message(to: str, subject: str, template: str, **context) -> EmailMessage:
    """A plain-text mail from a template, to exactly one recipient."""
    msg = EmailMessage()
    msg["From"] = safe_header(current_app.config["MAIL_FROM"])
    msg["To"] = one_address(to)
    msg["Subject"] = safe_header(subject)
    if current_app.config.get("MAIL_REPLY_TO"):
        msg["Reply-To"] = safe_header(current_app.config["MAIL_REPLY_TO"])
    domain = current_app.config["MAIL_FROM"].rsplit("@", 1)[-1].strip("> ") or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    # 8bit keeps long links on one line for people who read the raw mail (no soft breaks).
    msg.set_content(render_template(template, **context), cte="8bit")
    return msg


class Sender:
    """One SMTP connection, opened on first use and reused for a batch of mails."""

    def __init__(self, config: dict):
        """Remember the SMTP settings; connect lazily."""
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def connect(self) -> smtplib.SMTP:
        """Connect, upgrade to TLS when offered (or required) and log in when configured."""
        cfg = self.config
        smtp = smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]),
                            timeout=float(cfg["SMTP_TIMEOUT"]))
        try:
            smtp.ehlo()
            mode = cfg["SMTP_STARTTLS"]
            if mode != "off" and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif mode == "required":
                raise smtplib.SMTPNotSupportedError("the SMTP server does not offer STARTTLS")
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, raw: bytes, sender: str, recipient: str) -> None:
        """Send one mail to exactly one recipient (the envelope ignores any header tricks)."""
        if self.smtp is None:
            self.smtp = self.connect()
        # SMTP lines end in CRLF; smtplib leaves bytes as they are, and servers refuse bare
        # LF (or, like aiosmtpd, count the whole mail as one line over 1000 bytes).
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.smtp.sendmail(sender, [recipient], raw)

    def close(self) -> None:
        """Say goodbye politely; drop the connection if that fails."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def reset(self) -> None:
        """Drop a broken connection without talking to the server."""
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None
