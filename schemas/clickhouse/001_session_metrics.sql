-- session_metrics: one row per closed user session, written by the session sink.
--
-- Idempotent under replay: a replayed session is re-inserted with the same
-- (user_id, session_id) key, and ReplacingMergeTree keeps only the row with the
-- highest `version` once parts merge. Readers that need exact answers before a
-- merge must query with FINAL.
--
-- Portable on purpose: this file runs unchanged on ClickHouse 18.16 (server) and
-- 26.x (chdb), so it avoids DateTime64, LowCardinality and post-18.16 settings.
-- The *_ms columns carry millisecond precision; the DateTime columns exist for
-- partitioning and human-friendly filters.
CREATE TABLE IF NOT EXISTS session_metrics
(
    session_id String,
    user_id String,
    start_time DateTime,
    end_time DateTime,
    start_ms UInt64,
    end_ms UInt64,
    duration_ms UInt64,
    requests UInt32,
    impressions UInt32,
    clicks UInt32,
    likes UInt32,
    shares UInt32,
    comments UInt32,
    follows UInt32,
    gifts UInt32,
    gift_value Float64,
    skips UInt32,
    not_interested UInt32,
    mutes UInt32,
    dwell_ms UInt64,
    ctr Float64,
    skip_rate Float64,
    distinct_categories UInt32,
    category_entropy Float64,
    novelty_rate Float64,
    intra_list_diversity Float64,
    engagement_score Float64,
    normalized_utility Nullable(Float64),
    close_reason String,
    policy String,
    arm String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (user_id, session_id)
