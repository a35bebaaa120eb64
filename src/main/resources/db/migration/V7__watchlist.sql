-- The face watchlist: people with the embeddings of their photos. Every change bumps the one version row in the
-- same transaction, so workers (on any node) see a change by polling one number, and every hit names the
-- version it matched against.
CREATE TABLE watchlist_persons (
  person_id  text PRIMARY KEY,
  name       text NOT NULL,
  reason     text NOT NULL,
  added_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE watchlist_faces (
  id         bigserial PRIMARY KEY,
  person_id  text NOT NULL REFERENCES watchlist_persons ON DELETE CASCADE,
  embedding  real[] NOT NULL,
  photo      text NOT NULL,
  added_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX watchlist_faces_person ON watchlist_faces (person_id);

CREATE TABLE watchlist_version (
  id       int PRIMARY KEY CHECK (id = 1),
  version  bigint NOT NULL
);
INSERT INTO watchlist_version (id, version) VALUES (1, 0);

-- Evidence of recognition hits (JPEG), referred to by id from the hit's event.
CREATE TABLE recognition_snapshots (
  id          bigserial PRIMARY KEY,
  camera_id   text NOT NULL,
  kind        text NOT NULL,
  jpeg        bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
