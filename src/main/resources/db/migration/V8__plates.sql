-- Licence plates: the vehicle hotlist and e-challans, and the per-camera keys of the devices file they need.

-- A camera's enforcement rule (`rule` or `rule@HH:MM-HH:MM`) and its own recognition sampling (`keyframes`,
-- `off` or `fps:N`); null = not an enforcement point / the global sampling.
ALTER TABLE cameras ADD COLUMN enforcement text, ADD COLUMN sample text;

-- The vehicle hotlist. plate_key is the plate's letters and digits only (upper case), so every spelling of one
-- plate is one entry; plate is its canonical form. Every change bumps the one version row in the same
-- transaction, as the face watchlist does.
CREATE TABLE hotlist (
  plate_key  text PRIMARY KEY CHECK (plate_key ~ '^[A-Z0-9]{2,12}$'),
  plate      text NOT NULL,
  reason     text NOT NULL CHECK (reason IN ('stolen', 'wanted', 'other')),
  added_by   text NOT NULL,
  added_at   timestamptz NOT NULL DEFAULT now(),
  note       text
);

CREATE TABLE hotlist_version (
  id       int PRIMARY KEY CHECK (id = 1),
  version  bigint NOT NULL
);
INSERT INTO hotlist_version (id, version) VALUES (1, 0);

-- E-challans: a plate read at an enforcement camera while its rule applied. One per plate and rule within the
-- configured window (checked under a per-plate-and-rule advisory lock when one is issued).
CREATE TABLE echallans (
  id                 bigserial PRIMARY KEY,
  plate              text NOT NULL,
  plate_key          text NOT NULL,
  raw_text           text NOT NULL,
  confidence         real NOT NULL,
  camera_id          text NOT NULL,
  region             text,
  lat                double precision,
  lon                double precision,
  at                 timestamptz NOT NULL,
  rule               text NOT NULL,
  snapshot_id        bigint REFERENCES recognition_snapshots (id),
  plate_snapshot_id  bigint REFERENCES recognition_snapshots (id),
  status             text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'paid', 'contested', 'cancelled')),
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX echallans_plate_rule ON echallans (plate_key, rule, at DESC);
CREATE INDEX echallans_camera ON echallans (camera_id, id DESC);
