-- Versions of one extension in one state (the catalog's refresh, the public versions list, the
-- review diff). Without it SQLite may answer through versions_state and scan every published
-- version of every extension.
CREATE INDEX versions_extension_state ON versions (extension_id, state);
