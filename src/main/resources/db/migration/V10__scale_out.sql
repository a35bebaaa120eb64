-- Scale-out: several gateway nodes on one database.

-- Optimistic concurrency for the incident workflow: every step bumps the version, and a step that names the version
-- it was decided on is refused (409, with the current incident) when another operator got there first.
ALTER TABLE incidents ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- Every gateway process that started: the node-lost rule tells a crash (lost_at, alarm) from a clean stop.
CREATE TABLE gateway_nodes (
  node_id    text        PRIMARY KEY,   -- the Vert.x node id, new at every start
  name       text        NOT NULL,      -- node.name
  role       text        NOT NULL,
  started_at timestamptz NOT NULL,
  stopped_at timestamptz,               -- set by a clean stop (SIGTERM) before it leaves the cluster
  lost_at    timestamptz                -- set once, by the node that took its boxes over
);

-- Who judges each box's health: the node holding (or last holding) its MQTT connection, or the node that took it
-- over from a lost one (grace_until: until then the box may reconnect anywhere without box alarms). state is the
-- health model's state of the box as its owner last wrote it, so it survives the box moving to another node.
CREATE TABLE box_owners (
  box_id      text        PRIMARY KEY,
  node_id     text        NOT NULL,
  since       timestamptz NOT NULL,
  grace_until timestamptz,
  state       jsonb
);
CREATE INDEX box_owners_node ON box_owners (node_id);
