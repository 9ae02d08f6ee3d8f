-- session_returns: for every session, whether the same user started another
-- session within 24 hours (86,400,000 ms) after this session ended — the
-- "return" signal that long-term satisfaction is measured by.
--
-- Reads the base table with FINAL so replayed duplicates count once. Written
-- with groupArray + ARRAY JOIN + arrayExists instead of window functions or a
-- self-join on inequality, because it must run unchanged on ClickHouse 18.16
-- (no window functions, equality-only JOIN ON) as well as on 26.x (chdb).
CREATE VIEW IF NOT EXISTS session_returns AS
SELECT
    s.1 AS session_id,
    user_id,
    s.2 AS end_ms,
    toUInt8(arrayExists(x -> ((x > s.2) AND (x <= (s.2 + 86400000))), starts)) AS returned
FROM
(
    SELECT
        user_id,
        groupArray((session_id, end_ms)) AS sessions,
        groupArray(start_ms) AS starts
    FROM session_metrics FINAL
    GROUP BY user_id
)
ARRAY JOIN sessions AS s
