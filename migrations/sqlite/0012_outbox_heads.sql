-- Per-phone queue heads (issue 16): one row per (channel, phone) the outbox ever sent to. While
-- the phone has no row being sent (busy = 0), outbox_id is its next queued row in (priority, id)
-- order, with that row's priority and next_attempt_at; NULL when nothing is queued. A claim takes
-- heads in (priority, outbox_id) order from outbox_heads_ready, so its cost depends on the rows it
-- claims, not on how many rows wait behind each phone's head. While busy = 1, outbox_id is the
-- row being sent. Kept by the store (src/store/channels.rs): enqueue, claim, outcomes, expired
-- leases, cancelled broadcasts.
CREATE TABLE outbox_heads (
    channel         TEXT   NOT NULL,
    phone           TEXT   NOT NULL,
    outbox_id       BIGINT,
    priority        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    busy            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, phone)
);
CREATE INDEX outbox_heads_ready ON outbox_heads (channel, priority, outbox_id)
    WHERE busy = 0 AND outbox_id IS NOT NULL;

-- A phone's next queued row, and whether one of its rows is being sent: the look-ups that move a
-- head on.
CREATE INDEX outbox_phone_queued ON outbox (channel, phone, priority, id) WHERE status = 'queued';
CREATE INDEX outbox_phone_sending ON outbox (channel, phone) WHERE status = 'sending';
-- The old claim's indexes: no statement scans queued rows in priority order any more.
DROP INDEX outbox_claim;
DROP INDEX outbox_due;
DROP INDEX outbox_phone_open;

-- The heads of what is already queued or being sent.
INSERT INTO outbox_heads (channel, phone, busy)
SELECT DISTINCT channel, phone, 0 FROM outbox WHERE status IN ('queued', 'sending');
UPDATE outbox_heads SET
    busy = CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.channel = outbox_heads.channel
                             AND o.phone = outbox_heads.phone AND o.status = 'sending') THEN 1 ELSE 0 END,
    outbox_id = COALESCE(
        (SELECT o.id FROM outbox o WHERE o.channel = outbox_heads.channel
         AND o.phone = outbox_heads.phone AND o.status = 'sending' ORDER BY o.id LIMIT 1),
        (SELECT o.id FROM outbox o WHERE o.channel = outbox_heads.channel
         AND o.phone = outbox_heads.phone AND o.status = 'queued' ORDER BY o.priority, o.id LIMIT 1));
UPDATE outbox_heads SET
    priority = COALESCE((SELECT o.priority FROM outbox o WHERE o.id = outbox_heads.outbox_id), 0),
    next_attempt_at = COALESCE((SELECT o.next_attempt_at FROM outbox o WHERE o.id = outbox_heads.outbox_id), 0);
