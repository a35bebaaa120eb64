-- People and systems that use the API. A user logs in with username/password (operators, supervisors, ERV
-- crews, admins); a client with clientId/clientSecret (agencies). Secrets only as bcrypt hashes.
CREATE TABLE accounts (
  id          text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._@-]{1,64}$'),
  kind        text        NOT NULL CHECK (kind IN ('user', 'client')),
  role        text        NOT NULL CHECK (role IN ('operator', 'supervisor', 'erv-crew', 'agency', 'admin')),
  secret_hash text        NOT NULL CHECK (secret_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
  unit        text,
  -- empty: every region (operators, supervisors, admins); a crew has exactly its own
  regions     text[]      NOT NULL DEFAULT '{}',
  scopes      text[]      NOT NULL DEFAULT '{}',
  disabled    boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (role <> 'erv-crew' OR (unit IS NOT NULL AND cardinality(regions) = 1)),
  CHECK (role <> 'agency' OR kind = 'client')
);

-- Who did what, when, from where: every read of watchlist or hotlist data and every incident step.
-- Append-only like the event log.
CREATE TABLE audit_log (
  id          bigserial   PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  principal   text        NOT NULL,
  role        text        NOT NULL,
  action      text        NOT NULL,
  target      text,
  remote      text,
  details     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_principal ON audit_log (principal, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
