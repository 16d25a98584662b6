-- The kelurahan's RW boundaries (issue 15): the GeoJSON an officer uploaded, checked, so that the
-- problem map is drawn as a map. One file per kelurahan; a new upload replaces it.
CREATE TABLE rw_boundaries (
    kelurahan_id INTEGER PRIMARY KEY REFERENCES kelurahan (id),
    geojson TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
