-- One channel cap across every server on the database (issue 16): per channel, the time (in
-- microseconds of the database's clock) of its next free send slot. A sender books the slots of
-- the rows it claimed with one upsert (`Db::book_send_slots`, src/store/send_slots.rs) and sends
-- each at its slot, so the sends of all servers together keep the channel's spacing.
CREATE TABLE outbox_send_slots (
    channel    TEXT   NOT NULL PRIMARY KEY,
    next_at_us BIGINT NOT NULL
);
