-- The append-only log of everything that happens. Ids are assigned by the single writer under an advisory
-- lock (see EventLog), so they are gap-free and commit in increasing order on every node.
CREATE TABLE event_log (
  id        bigint      PRIMARY KEY,
  type      text        NOT NULL,
  source    text        NOT NULL,
  region    text,
  ts        timestamptz NOT NULL,
  logged_at timestamptz NOT NULL DEFAULT now(),
  body      jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX event_log_type_id ON event_log (type, id);
CREATE INDEX event_log_region_id ON event_log (region, id);

CREATE FUNCTION event_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'event_log is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE ON event_log
  FOR EACH ROW EXECUTE FUNCTION event_log_append_only();
