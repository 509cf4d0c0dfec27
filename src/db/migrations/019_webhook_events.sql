-- Webhook subscriptions by event (Kassa's own, issue 16): the event patterns a dispatcher's webhook
-- takes (names, `<prefix>.*`, `*`); null takes every event. Events it does not take are not recorded.
ALTER TABLE event_dispatchers ADD COLUMN webhook_events text[];
