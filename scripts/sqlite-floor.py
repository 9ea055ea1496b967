#!/usr/bin/env python3
"""SQLite's own floor for an import into avain's schema on this machine.

Copies the rows an import left in an avain SQLite database (accounts,
cards, earlier addresses, search terms) into an empty database with the
same tables and indexes: all rows read into memory first, then inserted
with prepared statements (`executemany`) in one transaction, with avain's
settings (WAL, synchronous=FULL), no checks and no ORM. The time is what
SQLite itself needs for those rows, whoever calls it.

Usage: scripts/sqlite-floor.py AVAIN_DB [SCRATCH_DIR]
"""
import os, sqlite3, sys, tempfile, time

TABLES = ["account", "card", "email_history", "search_term"]

source = sqlite3.connect(sys.argv[1])
scratch = sys.argv[2] if len(sys.argv) > 2 else tempfile.gettempdir()
schema = [
    sql
    for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN (%s) "
        "ORDER BY type DESC" % ",".join("?" * len(TABLES)),
        TABLES,
    )
]
rows = {t: source.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}
source.close()

target = os.path.join(scratch, "sqlite-floor.db")
for suffix in ["", "-wal", "-shm"]:
    if os.path.exists(target + suffix):
        os.remove(target + suffix)
db = sqlite3.connect(target, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = FULL")
for sql in schema:
    db.execute(sql)
start = time.perf_counter()
db.execute("BEGIN IMMEDIATE")
for table in TABLES:
    if rows[table]:
        marks = ",".join("?" * len(rows[table][0]))
        db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[table])
db.execute("COMMIT")
took = time.perf_counter() - start
db.close()
for suffix in ["", "-wal", "-shm"]:
    if os.path.exists(target + suffix):
        os.remove(target + suffix)
counts = ", ".join(f"{len(rows[t]):,} {t}" for t in TABLES)
print(f"| SQLite alone ({counts}; executemany, one transaction) | {took:.1f} | {len(rows['account']) / took:,.0f} | - |")
