// DuckDB computing what `uptake inspect` reports of a Parquet export, in one
// query: rows, distinct users, the time range, and per event name its count
// and distinct users (issue #14's reference). Prints the query's wall
// seconds. Usage: node scripts/duckdb-inspect.cjs FILE TIME_COLUMN
// (with @duckdb/node-api where require finds it: scripts/engines.sh puts
// it in $UPTAKE_ENGINES_DIR, and NODE_PATH points there).
const { DuckDBInstance } = require('@duckdb/node-api');

async function main() {
  const [file, ts] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  const q = `WITH e AS (SELECT user_id, event, "${ts}" AS ts FROM read_parquet('${file.replace(/'/g, "''")}'))
SELECT (SELECT count(*) FROM e), (SELECT count(DISTINCT user_id) FROM e), (SELECT min(ts) FROM e), (SELECT max(ts) FROM e),
  (SELECT list(struct_pack(event, n, u)) FROM (SELECT event, count(*) AS n, count(DISTINCT user_id) AS u FROM e GROUP BY event))`;
  const t0 = process.hrtime.bigint();
  await c.runAndReadAll(q);
  console.log((Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3));
}
main().catch((e) => { console.error(e); process.exit(1); });
