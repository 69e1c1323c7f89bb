#!/bin/sh
# First start of the PostgreSQL volume only: a separate role for Temporal. Temporal's auto-setup
# creates its own databases (temporal, temporal_visibility) with it, apart from Zhenggai's.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=pw="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'pw';
SQL
