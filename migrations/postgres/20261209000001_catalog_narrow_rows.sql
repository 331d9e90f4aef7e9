-- A broad search reads every matching catalog row to rank and count it, but needs only its narrow
-- columns and `rank_vector`. The README and the full-text vector `search` (which the GIN index
-- matches without reading back) are kept out of line, so that a row takes a few hundred bytes of
-- the table instead of a few kilobytes, and a search reads a third of the pages.
ALTER TABLE catalog_entries SET (toast_tuple_target = 256);
ALTER TABLE catalog_entries ALTER COLUMN readme SET STORAGE EXTERNAL;
ALTER TABLE catalog_entries ALTER COLUMN search SET STORAGE EXTERNAL;
-- The ranked vector stays in the row, uncompressed.
ALTER TABLE catalog_entries ALTER COLUMN rank_vector SET STORAGE MAIN;
-- Rows written before now take the new layout.
UPDATE catalog_entries SET readme = readme;
