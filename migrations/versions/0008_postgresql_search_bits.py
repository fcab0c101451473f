"""PostgreSQL finds and counts search matches in per-word bitmaps instead of reading every matching row.

On PostgreSQL only (SQLite's FTS5 counts from its own doclists):
- `search_bits`: for each word of `events.search_vector` and each chunk of 32,768 event ids
  (app.services.search_bits.CHUNK_SHIFT), a bit string with the bit of every event of the chunk holding the word
  (or, for a word in few events of the chunk, their offsets in it).
  A search's newest matches and exact count are then a few bit operations per chunk, where GIN plus the table
  took 100-500 ms.
- `search_changes`: the chunks whose bitmaps are out of date. Statement triggers on `events` append a row per
  chunk where events were added, deleted or reworded, in the writing transaction itself (plain inserts: writers
  never wait for each other there); the daemon rebuilds those chunks, and searches read the rows of a chunk
  while it is marked.
Every chunk of an existing database starts marked, so the daemon builds the bitmaps after the upgrade.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The `>> 15` below is app.services.search_bits.CHUNK_SHIFT: 2 ** 15 event ids per chunk (a test checks it).

POSTGRESQL_UPGRADE = [
    # A word in few events of a chunk keeps their offsets instead (a 4 KB bit string each would cost a rebuild
    # time and memory for every rare word, of which real calendars have many).
    """CREATE TABLE search_bits (
        word text COLLATE "C" NOT NULL,
        chunk integer NOT NULL,
        bits bit varying,
        offsets smallint[],
        PRIMARY KEY (word, chunk),
        CHECK ((bits IS NULL) <> (offsets IS NULL))
    )""",
    "CREATE TABLE search_changes (id bigserial PRIMARY KEY, chunk integer NOT NULL)",
    "CREATE INDEX ix_search_changes_chunk ON search_changes (chunk)",
    """CREATE FUNCTION chronos_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_changes (chunk) SELECT DISTINCT id >> 15 FROM changed;
        RETURN NULL;
    END $$""",
    # An update marks only the chunks where an event's words changed (not its times or status).
    """CREATE FUNCTION chronos_search_reworded() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_changes (chunk)
        SELECT DISTINCT changed.id >> 15 FROM changed JOIN earlier USING (id)
        WHERE changed.search_vector IS DISTINCT FROM earlier.search_vector;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION chronos_search_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM search_bits;
        DELETE FROM search_changes;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER search_inserted AFTER INSERT ON events REFERENCING NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION chronos_search_changed()",
    "CREATE TRIGGER search_updated AFTER UPDATE ON events REFERENCING OLD TABLE AS earlier NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION chronos_search_reworded()",
    "CREATE TRIGGER search_deleted AFTER DELETE ON events REFERENCING OLD TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION chronos_search_changed()",
    "CREATE TRIGGER search_emptied AFTER TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION chronos_search_emptied()",
    "INSERT INTO search_changes (chunk) SELECT DISTINCT id >> 15 FROM events",
]

POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER search_emptied ON events",
    "DROP TRIGGER search_deleted ON events",
    "DROP TRIGGER search_updated ON events",
    "DROP TRIGGER search_inserted ON events",
    "DROP FUNCTION chronos_search_emptied()",
    "DROP FUNCTION chronos_search_reworded()",
    "DROP FUNCTION chronos_search_changed()",
    "DROP TABLE search_changes",
    "DROP TABLE search_bits",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in POSTGRESQL_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in POSTGRESQL_DOWNGRADE:
        op.execute(statement)
