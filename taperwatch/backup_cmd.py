"""``taperwatch db backup FILE`` and ``taperwatch db restore FILE`` (called from taperwatch.cli).

Exit status: 0 done; 2 refused or failed (one line on stderr saying why).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from models.backup import BackupError, backup_database, restore_database
    from models.db import dispose_engines
    from models.settings import get_settings

    if not args.file:
        print(f"taperwatch: error: db {args.db_command} needs a FILE", file=sys.stderr)
        return 2
    url = get_settings().database_url
    dispose_engines()  # no pooled connection of ours holds the database during a restore
    try:
        if args.db_command == "backup":
            done = backup_database(url, Path(args.file))
            print(f"backed up the {done.kind} database to {done.path} ({done.size_bytes} bytes)")
        else:
            done = restore_database(url, Path(args.file))
            print(
                f"restored the {done.kind} database from {done.path}; "
                "run `taperwatch db upgrade` if the backup is from an older version"
            )
    except BackupError as exc:
        print(f"taperwatch: error: {exc}", file=sys.stderr)
        return 2
    return 0
