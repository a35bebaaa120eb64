-- Read models built from the event log by projections that remember how far they got (catch-up after a
-- restart replays from last_id, so a projection never misses an event).
CREATE TABLE projections (
  name    text   PRIMARY KEY,
  last_id bigint NOT NULL
);

-- Alarms as raised and cleared by the health model (events alarm.raised / alarm.cleared).
CREATE TABLE alarms (
  id            bigserial   PRIMARY KEY,
  key           text        NOT NULL,
  kind          text        NOT NULL,
  severity      text        NOT NULL,
  source        text        NOT NULL,
  region        text,
  summary       text        NOT NULL,
  details       jsonb       NOT NULL DEFAULT '{}',
  raised_at     timestamptz NOT NULL,
  raised_event  bigint      NOT NULL UNIQUE,
  cleared_at    timestamptz,
  cleared_event bigint,
  clear_reason  text
);
-- At most one active alarm per key.
CREATE UNIQUE INDEX alarms_active_key ON alarms (key) WHERE cleared_at IS NULL;
CREATE INDEX alarms_region_id ON alarms (region, id);

-- Emergency response vehicles; crews post their position and status.
CREATE TABLE erv_units (
  id          text             PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
  region      text             NOT NULL,
  status      text             NOT NULL DEFAULT 'available'
                               CHECK (status IN ('available', 'dispatched', 'on-scene', 'off-duty')),
  lat         double precision CHECK (lat BETWEEN -90 AND 90),
  lon         double precision CHECK (lon BETWEEN -180 AND 180),
  position_at timestamptz,
  updated_at  timestamptz      NOT NULL DEFAULT now()
);

-- One incident per raised alarm: new -> acknowledged -> dispatched -> on-scene -> closed.
CREATE TABLE incidents (
  id         bigserial        PRIMARY KEY,
  alarm_id   bigint           UNIQUE REFERENCES alarms (id),
  state      text             NOT NULL DEFAULT 'new'
                              CHECK (state IN ('new', 'acknowledged', 'dispatched', 'on-scene', 'closed')),
  title      text             NOT NULL,
  source     text             NOT NULL,
  region     text,
  lat        double precision,
  lon        double precision,
  unit       text             REFERENCES erv_units (id),
  created_at timestamptz      NOT NULL,
  updated_at timestamptz      NOT NULL
);
CREATE INDEX incidents_region_id ON incidents (region, id);
CREATE INDEX incidents_unit ON incidents (unit) WHERE state <> 'closed';

-- Who took each step, when (the workflow's audit trail).
CREATE TABLE incident_steps (
  incident_id bigint      NOT NULL REFERENCES incidents (id),
  seq         int         NOT NULL,
  step        text        NOT NULL,
  state       text        NOT NULL,
  principal   text        NOT NULL,
  role        text        NOT NULL,
  at          timestamptz NOT NULL,
  unit        text,
  note        text,
  PRIMARY KEY (incident_id, seq)
);

-- Events decided inside a transaction of a read model, appended to the event log by a relay afterwards
-- (idempotently, keyed by id): the change and its notification commit together or not at all.
CREATE TABLE outbox (
  id     bigserial   PRIMARY KEY,
  type   text        NOT NULL,
  source text        NOT NULL,
  region text,
  ts     timestamptz NOT NULL,
  body   jsonb       NOT NULL
);
