-- The device registry, written from the devices file (see DeviceRegistry). Secrets are stored only as bcrypt
-- hashes; the CHECKs make a plain secret impossible to store even by mistake.
CREATE TABLE boxes (
  id          text             PRIMARY KEY,
  region      text             NOT NULL,
  lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  geofence_m  double precision NOT NULL CHECK (geofence_m > 0),
  secret_hash text             NOT NULL CHECK (secret_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
  cameras     text[]           NOT NULL DEFAULT '{}',
  updated_at  timestamptz      NOT NULL DEFAULT now()
);

CREATE TABLE cameras (
  id                  text             PRIMARY KEY,
  region              text             NOT NULL,
  -- Deferred: one load replaces boxes and cameras in a single transaction, in whatever order.
  box_id              text             NOT NULL REFERENCES boxes (id) DEFERRABLE INITIALLY DEFERRED,
  lat                 double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon                 double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  publish_user        text,
  publish_secret_hash text             CHECK (publish_secret_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
  read_user           text,
  read_secret_hash    text             CHECK (read_secret_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
  source              text,
  updated_at          timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX cameras_box_id ON cameras (box_id);
