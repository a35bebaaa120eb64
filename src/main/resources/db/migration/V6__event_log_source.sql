-- A box's or camera's own history (telemetry pages, audits by device) without scanning every event of a type.
CREATE INDEX event_log_source_id ON event_log (source, id);
