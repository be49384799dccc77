#!/usr/bin/env bash
# The SQL engines the agreement tests of `uptake sql` run on (docs/sql.md,
# docs/ci.md), installed from the registries a clean machine reaches:
#   DuckDB      npm @duckdb/node-api (its shared library comes with it)
#   ClickHouse  npm chdb (chDB: ClickHouse in process, libchdb.so included)
#   PostgreSQL  Debian's postgresql, as a throwaway server on a free port
# Source it:  . scripts/engines.sh   — it exports UPTAKE_NODE_MODULES and
# UPTAKE_TEST_POSTGRES for `go test`, and defines stop_engines. The npm
# packages are cached in $UPTAKE_ENGINES_DIR (default ~/.cache/uptake-engines),
# so a second run installs nothing.
UPTAKE_ENGINES_DIR=${UPTAKE_ENGINES_DIR:-$HOME/.cache/uptake-engines}
DUCKDB_NODE_VERSION=1.5.6-r.1
CHDB_VERSION=3.4.0
PG_PORT=${PG_PORT:-54329}

engines_log() { echo "engines: $*" >&2; }

install_node_engines() {
  mkdir -p "$UPTAKE_ENGINES_DIR"
  if [ -d "$UPTAKE_ENGINES_DIR/node_modules/@duckdb/node-api" ] && [ -d "$UPTAKE_ENGINES_DIR/node_modules/chdb" ]; then
    return 0
  fi
  command -v npm >/dev/null || { engines_log "npm is not installed"; return 1; }
  local t0=$SECONDS
  (cd "$UPTAKE_ENGINES_DIR" && [ -f package.json ] || echo '{"private":true}' > "$UPTAKE_ENGINES_DIR/package.json"
   cd "$UPTAKE_ENGINES_DIR" && npm install --no-audit --no-fund --loglevel=error \
     "@duckdb/node-api@$DUCKDB_NODE_VERSION" "chdb@$CHDB_VERSION" >&2) || return 1
  engines_log "DuckDB and chDB installed in $((SECONDS - t0)) s ($(du -sh "$UPTAKE_ENGINES_DIR" | cut -f1))"
}

start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bin" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      local t0=$SECONDS
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || return 1
      engines_log "PostgreSQL installed in $((SECONDS - t0)) s"
      bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    else
      engines_log "PostgreSQL is not installed and cannot be (needs apt-get as root)"; return 1
    fi
  fi
  PGDATA_DIR=$(mktemp -d /tmp/uptake-pg.XXXXXX)
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PGDATA_DIR"
    run=(su postgres -s /bin/sh -c)
  else
    run=(sh -c)
  fi
  "${run[@]}" "$bin/initdb -D $PGDATA_DIR/data -A trust -U postgres >/dev/null" || return 1
  "${run[@]}" "$bin/pg_ctl -D $PGDATA_DIR/data -o '-p $PG_PORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1' -l $PGDATA_DIR/log -w start >/dev/null" || return 1
  PG_STOP=("${run[@]}" "$bin/pg_ctl -D $PGDATA_DIR/data -m fast stop >/dev/null")
  export UPTAKE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
  engines_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $PG_PORT"
}

stop_engines() {
  if [ -n "${PG_STOP:-}" ]; then "${PG_STOP[@]}" || true; rm -rf "$PGDATA_DIR"; PG_STOP=; fi
}

if install_node_engines; then
  export UPTAKE_NODE_MODULES="$UPTAKE_ENGINES_DIR/node_modules"
else
  engines_log "could not install DuckDB and chDB"; return 1 2>/dev/null || exit 1
fi
start_postgres || { engines_log "could not start PostgreSQL"; return 1 2>/dev/null || exit 1; }
