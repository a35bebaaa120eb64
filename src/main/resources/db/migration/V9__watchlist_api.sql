-- The watchlist as the API manages it: who enrolled and changed each person, and per enrolled photo what a command
-- centre needs to check a hit against it (a small JPEG of the face, the face's place in the photo, the photo's
-- size and sha256) without keeping the uploaded photograph itself. Rows enrolled before this (Java API) have none
-- of it, hence the nullable columns.
ALTER TABLE watchlist_persons
  ADD COLUMN added_by    text,
  ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN updated_by  text;

ALTER TABLE watchlist_faces
  ADD COLUMN sha256     text,
  ADD COLUMN width      int,
  ADD COLUMN height     int,
  ADD COLUMN face_x     int,
  ADD COLUMN face_y     int,
  ADD COLUMN face_w     int,
  ADD COLUMN face_h     int,
  ADD COLUMN thumbnail  bytea,
  ADD COLUMN added_by   text;

-- The same photograph twice for one person adds nothing but weight to the matcher.
CREATE UNIQUE INDEX watchlist_faces_person_sha256 ON watchlist_faces (person_id, sha256) WHERE sha256 IS NOT NULL;
