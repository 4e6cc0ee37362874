#!/bin/sh
# A compressed custom-format pg_dump of the portal database, kept KEEP_DAYS days (run by
# portal-backup.service as the postgres user). Restore: pg_restore --clean --if-exists -d portal FILE.
# Together with the WAL archive (deploy/postgresql/primary.conf) it allows point-in-time recovery;
# copy BACKUP_DIR off the machine (docs/deployment.md, "Backups").
set -eu
PORTAL_DB=${PORTAL_DB:-portal}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/portal}
KEEP_DAYS=${KEEP_DAYS:-14}
mkdir -p "$BACKUP_DIR"
stamp=$(date +%Y%m%d-%H%M%S)
target="$BACKUP_DIR/$PORTAL_DB-$stamp.dump"
pg_dump --format=custom --compress=6 --file="$target.partial" "$PORTAL_DB"
pg_restore --list "$target.partial" >/dev/null  # refuse to keep an unreadable dump
mv "$target.partial" "$target"
find "$BACKUP_DIR" -name "$PORTAL_DB-*.dump" -mtime +"$KEEP_DAYS" -delete
echo "backup written: $target ($(du -h "$target" | cut -f1))"
