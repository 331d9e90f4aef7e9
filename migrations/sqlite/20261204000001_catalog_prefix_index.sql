-- Prefix indexes of 2, 3 and 4 characters: the last word of a search matches as a prefix, and a
-- short prefix can stand for hundreds of indexed words. With these, FTS5 reads one list for it
-- instead of merging the lists of every word it begins.
DROP TABLE catalog_fts;
CREATE VIRTUAL TABLE catalog_fts USING fts5 (
    key, name, summary, tags, readme,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO catalog_fts (rowid, key, name, summary, tags, readme)
    SELECT rowid, key, name, summary, tags, readme FROM catalog_entries;
