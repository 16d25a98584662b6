-- The dashboard counts a kelurahan's messages of the last 30 days, in and out (issue 15): by
-- kelurahan and time, so that a long history or a large broadcast is not read every minute.
CREATE INDEX inbound_kelurahan_received ON inbound (kelurahan_id, received_at);
CREATE INDEX outbox_kelurahan_created ON outbox (kelurahan_id, created_at);
