"""Tables of the coach route, the follow-ups and the referrer's overview links.

Declared on the one `db.metadata`, so `init-db` (and start-up on SQLite) creates them like the
others. Everything here is anonymous except the hashes, which purge and erase clear.
"""

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from .db import metadata

# A referral the coach handed over to a provider belongs to the coach's route.
route_links = Table(
    "route_links", metadata,
    Column("referral_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"),
           primary_key=True),
    Column("route_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("created_at", DateTime, nullable=False),
)

# One question "still taking part?" per referral and checkpoint (months after joining).
follow_ups = Table(
    "follow_ups", metadata,
    Column("id", Integer, primary_key=True),
    Column("referral_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("months", Integer, nullable=False),
    Column("due_at", DateTime, nullable=False),
    Column("state", String(16), nullable=False),  # open | beantwoord | onbeantwoord | overgeslagen
    Column("tries", Integer, nullable=False, default=0),
    Column("last_sent_at", DateTime),
    Column("token_hash", String(64), unique=True),
    Column("token_expires_at", DateTime),
    Column("answer", String(16)),  # doet_mee | gestopt
    Column("reason", String(40)),
    Column("answered_at", DateTime),
    UniqueConstraint("referral_id", "months", name="uq_follow_up_checkpoint"),
)

# A short-lived link to "mijn verwijzingen": only hashes, never the address itself.
overview_links = Table(
    "overview_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email_hash", String(64), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)
