"""The schema as SQLAlchemy 2.x typed models; unique constraints carry identity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; every time must carry a zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table(model: type[Base]) -> Table:
    """A model's Core table, typed as one (for bulk statements)."""
    return cast(Table, model.__table__)


class ArticleRow(Base):
    """An article: the lineage of its versions. `uid` is stable across databases."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleVersionRow(Base):
    """One distinct content of an article; the content hash is its identity."""

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    published: Mapped[datetime] = mapped_column(UTCDateTime)
    url: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON)
    # The tags of the feed source it came from (none from the folder or the API).
    source_tags: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_article_versions_article_id", "article_id"),
        Index("ix_article_versions_published", "published"),
        Index("ix_article_versions_created_at", "created_at"),
    )


class ArticleLocationRow(Base):
    """Which article a file (and item within it, for JSON lists) currently holds."""

    __tablename__ = "article_locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    item: Mapped[int] = mapped_column(Integer)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("path", "item", name="uq_article_locations_path_item"),
        Index("ix_article_locations_article_id", "article_id"),
    )


class SeenFileRow(Base):
    """The stat fingerprint of every file last scanned, good or bad."""

    __tablename__ = "seen_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    inode: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IngestErrorRow(Base):
    """A file that could not be ingested (level "error"), or that was but with a guess
    (level "warning"), and why; cleared when the file reads cleanly or goes away."""

    __tablename__ = "ingest_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    level: Mapped[str] = mapped_column(String(16), server_default="error")
    reason: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScanRow(Base):
    """The summary of one finished scan."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    new: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    duplicate: Mapped[int] = mapped_column(Integer, server_default="0")
    waiting: Mapped[int] = mapped_column(Integer, server_default="0")
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer, server_default="0")
    hits: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column()


class RuleRow(Base):
    """A rule, known by its name for life: editing its query keeps its hits."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RuleVersionRow(Base):
    """One distinct query (with its fields and case setting) a rule has had."""

    __tablename__ = "rule_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(JSON)
    case_sensitive: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("rule_id", "digest", name="uq_rule_versions_rule_id_digest"),
    )


class HitRow(Base):
    """A rule matched an article: once per rule and article, whatever its later versions."""

    __tablename__ = "hits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("rule_versions.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    article_version_id: Mapped[int] = mapped_column(
        ForeignKey("article_versions.id", ondelete="CASCADE")
    )
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    backfill: Mapped[bool] = mapped_column()

    __table_args__ = (
        UniqueConstraint("rule_id", "article_id", name="uq_hits_rule_id_article_id"),
        Index("ix_hits_matched_at", "matched_at"),
        Index("ix_hits_article_id", "article_id"),
        Index("ix_hits_article_version_id", "article_version_id"),
        Index("ix_hits_rule_id_matched_at", "rule_id", "matched_at"),
    )


class SubscriberRow(Base):
    """Someone the outbox delivers to, on one channel ("email": the address, case folded).

    Created when first seen in the rule files: hits recorded before then are not theirs.
    """

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_subscribers_channel_address"),
    )


class DigestRow(Base):
    """One message in the outbox: committed with its items and Message-ID before any attempt.

    `kind`: a scheduled email `digest`, an `alert` (one article, at once: email or a push
    channel) or a `summary` (a push channel's many articles). `state`: pending (not accepted
    yet; retried from `next_attempt_at`), sent, or failed (refused for good; retried only
    when asked). `claimed_by` (host:pid) is at work on it
    until `claimed_until`.
    """

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(10), server_default="digest")
    subject: Mapped[str] = mapped_column(Text)
    message: Mapped[bytes] = mapped_column(LargeBinary)
    hit_count: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_digests_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_digests_subscriber_id", "subscriber_id"),
        Index("ix_digests_subscriber_id_created_at", "subscriber_id", "created_at"),
    )


class DigestItemRow(Base):
    """A hit delivered by a digest: at most once per subscriber (the unique constraint)."""

    __tablename__ = "digest_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("subscriber_id", "hit_id", name="uq_digest_items_subscriber_id_hit_id"),
        Index("ix_digest_items_digest_id", "digest_id"),
        Index("ix_digest_items_hit_id", "hit_id"),
    )


class DeliveryAttemptRow(Base):
    """One try at handing a digest over: when, through what, and how it ended."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    transport: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10))  # sent, transient, permanent
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_delivery_attempts_digest_id", "digest_id"),)


class DaemonRow(Base):
    """A running (or recently killed) `watcher run`: its heartbeat and what it will do next."""

    __tablename__ = "daemons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance: Mapped[str] = mapped_column(String(255), unique=True)  # host:pid:start
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_every_s: Mapped[float] = mapped_column()
    next_runs: Mapped[dict[str, Any]] = mapped_column(JSON)  # job -> ISO time of its next run
    reload_error: Mapped[str | None] = mapped_column(Text)


class SourceRow(Base):
    """A feed source's polling state, kept across restarts: conditional GET validators, when it
    was fetched, when it last brought something new, its failures and its next fetch."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)  # the validators below belong to this URL
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    entries: Mapped[int] = mapped_column(Integer, server_default="0")


class SourceEntryRow(Base):
    """An entry a source's feed carried, by a hash of its key (id or link), with a digest of
    what the feed said of it: an entry unchanged since the last poll is not handled again."""

    __tablename__ = "source_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("source", "key_hash", name="uq_source_entries_source_key_hash"),
        Index("ix_source_entries_source_seen_at", "source", "seen_at"),
    )
