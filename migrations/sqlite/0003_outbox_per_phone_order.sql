-- The outbox sends one phone's rows in id order: a claim looks for an older open row of the same
-- phone. This index keeps that look-up cheap however large the outbox grows.
CREATE INDEX outbox_phone_open ON outbox (channel, phone, id) WHERE status IN ('queued', 'sending');
