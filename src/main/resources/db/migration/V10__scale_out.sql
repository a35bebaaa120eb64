-- Scale-out: several gateway nodes on one database.

-- Optimistic concurrency for the incident workflow: every step bumps the version, and a step that names the version
-- it was decided on is refused (409, with the current incident) when another operator got there first.
ALTER TABLE incidents ADD COLUMN version bigint NOT NULL DEFAULT 1;
