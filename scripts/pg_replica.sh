#!/bin/sh
# A streaming read replica of the local PostgreSQL cluster, for `make replica` and tests/test_replica.py.
#
#   scripts/pg_replica.sh start DIR PORT SLOT   fresh copy with pg_basebackup -R, started on 127.0.0.1:PORT
#   scripts/pg_replica.sh stop DIR SLOT         stop it, drop its replication slot, remove DIR
#
# `start` first removes what an earlier run left at DIR (and its slot), so it can run twice in a row.
# The primary (PRIMARY_HOST/PRIMARY_PORT, role postgres) must accept replication connections from
# 127.0.0.1; when it does not and its pg_hba.conf is writable here, one line is appended
# ("host replication all 127.0.0.1/32 trust", as the machine already trusts 127.0.0.1 for every
# database) and the configuration is reloaded: the primary is never restarted.
# The slot keeps the WAL the replica still needs; `stop` drops it so the primary never keeps WAL for
# a replica that is gone. Run as root, the replica runs as the postgres OS user.
# Exit status 0: done; 2: usage; 3: this machine cannot make a replica (the reason is on stderr).
set -eu

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PG_USER=${PG_USER:-postgres}
HBA_LINE="host replication all 127.0.0.1/32 trust  # povertyplan read replica (scripts/pg_replica.sh)"

cannot() { echo "pg_replica: $*" >&2; exit 3; }

primary() { "$PG_BIN/psql" -X -q -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PG_USER" -d postgres -c "$1"; }

# The server refuses to run as root: run it (and make its files) as the postgres OS user then.
as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

check_tools() {
  for tool in pg_basebackup pg_ctl psql pg_isready; do
    test -x "$PG_BIN/$tool" || cannot "$PG_BIN/$tool not found (set PG_BIN)"
  done
  if [ "$(id -u)" = 0 ]; then
    command -v runuser >/dev/null || cannot "running as root without runuser"
    id postgres >/dev/null 2>&1 || cannot "running as root and there is no postgres OS user"
  fi
  "$PG_BIN/pg_isready" -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" || cannot "no primary on $PRIMARY_HOST:$PRIMARY_PORT"
}

replication_allowed() {
  "$PG_BIN/psql" -X -q -At -c "IDENTIFY_SYSTEM" \
    "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$PG_USER dbname=postgres replication=true" >/dev/null 2>&1
}

allow_replication() {
  replication_allowed && return 0
  hba=$(primary "SHOW hba_file")
  test -w "$hba" || cannot "the primary refuses replication connections from 127.0.0.1 and $hba is not" \
    "writable here: add '$HBA_LINE' and reload"
  grep -qF "$HBA_LINE" "$hba" || printf '%s\n' "$HBA_LINE" >>"$hba"
  primary "SELECT pg_reload_conf()" >/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do replication_allowed && return 0; sleep 0.5; done
  cannot "the primary still refuses replication connections after adding a line to $hba" \
    "(an earlier line may match first)"
}

drop_slot() {
  # A walsender may still hold the slot for a moment after its replica stopped.
  for _ in $(seq 1 40); do
    active=$(primary "SELECT active FROM pg_replication_slots WHERE slot_name = '$1'")
    case "$active" in
      "") return 0 ;;
      f) primary "SELECT pg_drop_replication_slot('$1')" >/dev/null && return 0 ;;
    esac
    sleep 0.25
  done
  echo "pg_replica: replication slot $1 is still in use; drop it with pg_drop_replication_slot('$1')" >&2
  return 1
}

stop() {
  dir=$1 slot=$2
  if [ -f "$dir/postmaster.pid" ]; then
    as_server_user "$PG_BIN/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null 2>&1 \
      || as_server_user "$PG_BIN/pg_ctl" -D "$dir" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  drop_slot "$slot"
  rm -rf "$dir"
}

start() {
  dir=$1 port=$2 slot=$3
  check_tools
  case "$(primary "SHOW wal_level")" in replica|logical) ;; *) cannot "the primary's wal_level is not replica" ;; esac
  test "$(primary "SHOW max_wal_senders")" -gt 0 || cannot "the primary's max_wal_senders is 0"
  ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" || test -f "$dir/postmaster.pid" \
    || cannot "port $port is already in use by another server"
  stop "$dir" "$slot"
  rm -f "$dir.failed.log"
  allow_replication

  mkdir -p "$dir" && chmod 700 "$dir"
  test "$(id -u)" != 0 || chown postgres: "$dir"
  as_server_user "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PG_USER" -D "$dir" \
    -X stream -c fast -R -C -S "$slot" >"$dir.basebackup.log" 2>&1 \
    || { cat "$dir.basebackup.log" >&2; rm -f "$dir.basebackup.log"; stop "$dir" "$slot"
         cannot "pg_basebackup failed"; }
  rm -f "$dir.basebackup.log"

  # Debian keeps postgresql.conf and pg_hba.conf outside the data directory: the copy gets its own.
  # A hot standby needs these limits at least as high as the primary's.
  limits=$(primary "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings WHERE name IN
    ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions',
     'max_locks_per_transaction')")
  as_server_user sh -c "cat >'$dir/postgresql.conf'" <<EOF
# Read replica of $PRIMARY_HOST:$PRIMARY_PORT made by scripts/pg_replica.sh
# (its standby settings, written by pg_basebackup -R, are in postgresql.auto.conf)
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
shared_buffers = 32MB
$limits
EOF
  as_server_user sh -c "printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >'$dir/pg_hba.conf'; : >'$dir/pg_ident.conf'"

  # A hot standby answers once it has a snapshot of the primary's running transactions: while a
  # transaction on the primary has more than 64 subtransactions (savepoints), it waits for a moment
  # without one, up to START_TIMEOUT seconds.
  as_server_user "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -W start >/dev/null \
    || { tail -20 "$dir/server.log" >&2 || true; stop "$dir" "$slot"; cannot "the replica did not start"; }
  ready= deadline=$(($(date +%s) + ${START_TIMEOUT:-300}))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres -c "SELECT 1" >/dev/null 2>&1 \
      && { ready=1; break; }
    sleep 0.25
  done
  if [ -z "$ready" ]; then
    tail -20 "$dir/server.log" >&2 || true
    cp "$dir/server.log" "$dir.failed.log" 2>/dev/null || true
    why="the replica did not accept connections within ${START_TIMEOUT:-300} s (log: $dir.failed.log)"
    if grep -q "consistent recovery state reached" "$dir/server.log"; then
      why="$why: it is consistent but not yet a hot standby, which waits until no transaction on the primary"
      why="$why holds more than 64 subtransactions (savepoints) at once (a long benchmark run?)"
    fi
    stop "$dir" "$slot"
    cannot "$why"
  fi
  # Streaming: the primary's walsender for this slot is active.
  for _ in $(seq 1 120); do
    test "$(primary "SELECT active FROM pg_replication_slots WHERE slot_name = '$slot'")" = t && {
      echo "Read replica streaming on 127.0.0.1:$port ($dir)"; return 0; }
    sleep 0.25
  done
  tail -20 "$dir/server.log" >&2 || true
  stop "$dir" "$slot"
  cannot "the replica started but does not stream from the primary"
}

case "${1:-}" in
  start) test $# -eq 4 || { echo "usage: $0 start DIR PORT SLOT" >&2; exit 2; }; start "$2" "$3" "$4" ;;
  stop) test $# -eq 3 || { echo "usage: $0 stop DIR SLOT" >&2; exit 2; }; check_tools; stop "$2" "$3" ;;
  *) echo "usage: $0 start DIR PORT SLOT | stop DIR SLOT" >&2; exit 2 ;;
esac
