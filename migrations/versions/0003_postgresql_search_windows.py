"""PostgreSQL search ignores accents, and windows find carried-over events through the longest span.

On PostgreSQL only (SQLite's FTS5 index already removes diacritics and has its span index since the baseline):
- a text search configuration `chronos_search`: the 'simple' one (words kept as written, no stemming, like
  SQLite's unicode61 tokenizer) with the `unaccent` dictionary in front, so 'zurich' finds "Zürich" on both
  backends. `events.search_vector` is regenerated with it, punctuation read as spaces (a table rewrite, once);
- `ix_events_span` on (end_time - start_time): the longest stored event in one index lookup, the bound that
  lets a window read only the start-time range where carried-over events can begin.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# app.services.search_postgresql.CONFIGURATION names the same configuration.
CONFIGURATION = "chronos_search"
# Token types that can hold letters outside ASCII; the ASCII ones need no unaccent and keep 'simple' alone.
ACCENTED_TOKENS = "word, hword, hword_part, numword, numhword, hword_numpart"
# ASCII punctuation becomes spaces before PostgreSQL's parser reads the text, so that words are split as
# SQLite's unicode61 tokenizer splits them: the parser would otherwise keep "<script>" as an unindexed tag,
# "ana@example.com" or "a/b" as one token, and "example" would not find them (app.services.search_postgresql
# treats search words the same way; a test checks that both lists agree).
SEPARATORS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
# An E'' string: its backslash escapes mean the same whatever standard_conforming_strings is.
_SEPARATORS_SQL = "E'" + SEPARATORS.replace("\\", "\\\\").replace("'", "\\'") + "'"
_SPACES_SQL = "'" + " " * len(SEPARATORS) + "'"


def _words(column: str) -> str:
    spaced = f"translate(coalesce({column}, ''), {_SEPARATORS_SQL}, {_SPACES_SQL})"
    return f"to_tsvector('{CONFIGURATION}'::regconfig, {spaced})"


# Title weighs most (A), then location (B), then description (C), as in the baseline.
SEARCH_VECTOR = f"""
    setweight({_words("title")}, 'A')
    || setweight({_words("location")}, 'B')
    || setweight({_words("description")}, 'C')"""

POSTGRESQL_UPGRADE = [
    # A trusted extension since PostgreSQL 13: the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = pg_catalog.simple)",
    f"ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION} ALTER MAPPING FOR {ACCENTED_TOKENS} WITH unaccent, simple",
    "DROP INDEX IF EXISTS ix_events_search",
    "ALTER TABLE events DROP COLUMN search_vector",
    f"ALTER TABLE events ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED",
    "CREATE INDEX ix_events_search ON events USING gin (search_vector)",
    "CREATE INDEX ix_events_span ON events ((end_time - start_time))",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in POSTGRESQL_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("not undone; restore a backup instead")
