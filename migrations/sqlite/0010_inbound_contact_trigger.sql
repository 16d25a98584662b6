-- Recording an inbound message also notes its phone as a contact (the channel it last wrote
-- on, when: the WhatsApp 24-hour window). A trigger does it inside the insert's own statement,
-- so recording a message is one statement (an autocommit write) instead of a transaction of two.
CREATE TRIGGER inbound_notes_contact AFTER INSERT ON inbound
WHEN NEW.phone <> ''
BEGIN
    INSERT INTO contacts (phone, channel, last_inbound_at)
    VALUES (NEW.phone, NEW.channel, NEW.received_at)
    ON CONFLICT (phone) DO UPDATE SET channel = excluded.channel,
                                      last_inbound_at = excluded.last_inbound_at;
END;
