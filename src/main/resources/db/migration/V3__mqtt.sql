-- Duplicate suppression: a device message carries a key (box, topic, seq, device time); a resend after a
-- reconnect finds its key already logged and is acknowledged without a second event.
ALTER TABLE event_log ADD COLUMN dedup_key text;
CREATE UNIQUE INDEX event_log_dedup_key ON event_log (dedup_key) WHERE dedup_key IS NOT NULL;

-- Device messages that failed validation: kept for the vendor and the operator, never passed to the domain.
CREATE TABLE dead_letters (
  id          bigserial   PRIMARY KEY,
  box_id      text        NOT NULL,
  topic       text        NOT NULL,
  reason      text        NOT NULL,
  detail      text        NOT NULL,
  payload     bytea       NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letters_box ON dead_letters (box_id, id);

-- Persistent MQTT sessions (clean session off / MQTT 5 session expiry): what the box subscribed to.
CREATE TABLE mqtt_sessions (
  client_id     text        PRIMARY KEY,
  box_id        text        NOT NULL,
  subscriptions jsonb       NOT NULL DEFAULT '{}'::jsonb,
  expires_at    timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Commands to boxes (siren, camera power-cycle, ...): queued durably, delivered with QoS 1 when the box is
-- there, the box's PUBACK and its cmd-result recorded.
CREATE TABLE box_commands (
  command_id   text        PRIMARY KEY,
  box_id       text        NOT NULL,
  payload      jsonb       NOT NULL,
  status       text        NOT NULL,
  requested_by text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  delivered_at timestamptz,
  result       text,
  result_at    timestamptz
);
CREATE INDEX box_commands_pending ON box_commands (box_id, created_at) WHERE status IN ('queued', 'sent');
