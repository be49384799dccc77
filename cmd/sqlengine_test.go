package cmd

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The engines the agreement tests run queries on: DuckDB and ClickHouse
// (chDB) in process, through their Node.js packages, each in one
// long-lived node process answering JSON lines; PostgreSQL through pgx.
// scripts/engines.sh installs them (.ci/run calls it); where one is
// missing its tests are skipped, so `go test ./...` needs nothing
// installed.

// sqlEngine is a database the agreement tests run queries on.
type sqlEngine interface {
	// Load replaces table name with rows of text columns; ts holds RFC 3339
	// instants and becomes the engine's timestamp type.
	Load(name string, cols []string, rows [][]string) error
	// Query runs a query and returns its rows as text ("" for NULL).
	Query(sql string) ([]string, [][]string, error)
}

var (
	enginesMu sync.Mutex
	engines   = map[string]sqlEngine{}
)

// openSQLEngine returns the shared engine, started on first use, or skips
// the test when it is not installed.
func openSQLEngine(t *testing.T, name string) sqlEngine {
	t.Helper()
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e, ok := engines[name]; ok {
		return e
	}
	var e sqlEngine
	var err error
	switch name {
	case "postgres":
		dsn := os.Getenv("UPTAKE_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("postgres: UPTAKE_TEST_POSTGRES is not set (.ci/run starts a server and sets it)")
		}
		e, err = openPostgres(dsn)
	default:
		modules := nodeModules()
		if modules == "" {
			t.Skipf("%s: no engines installed (scripts/engines.sh installs them)", name)
		}
		e, err = startNodeEngine(name, modules)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	engines[name] = e
	return e
}

// nodeModules is where scripts/engines.sh installed the Node.js packages.
func nodeModules() string {
	dir := os.Getenv("UPTAKE_NODE_MODULES")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".cache", "uptake-engines", "node_modules")
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "@duckdb", "node-api")); err != nil {
		return ""
	}
	return dir
}

// nodeEngineScript serves one engine: a JSON request per line ({load} or
// {query}), a JSON answer per line ({csv} or {error}).
const nodeEngineScript = `
import readline from 'readline';
const engine = process.argv[2];
let run, load;
const q = s => /[",\n\r]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
if (engine === 'duckdb') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run("SET TimeZone = 'Pacific/Auckland'"); // a session zone no query may depend on
  load = async (r) => {
    await con.run("CREATE OR REPLACE TABLE " + r.table + " AS SELECT * FROM read_csv('" + r.csv + "', header=true, all_varchar=true)");
    await con.run("ALTER TABLE " + r.table + " ALTER ts TYPE TIMESTAMPTZ USING CAST(ts AS TIMESTAMPTZ)");
  };
  run = async (sql) => {
    const rd = await con.runAndReadAll(sql);
    let out = rd.columnNames().map(q).join(',') + '\n';
    for (const row of rd.getRowsJS()) out += row.map(v => v === null ? '' : q(String(v))).join(',') + '\n';
    return out;
  };
} else {
  const { Session } = await import('chdb');
  const s = new Session();
  load = async (r) => {
    s.query("DROP TABLE IF EXISTS " + r.table);
    const cols = r.cols.map(c => '` + "`" + `' + c + '` + "`" + ` ' + (c === 'ts' ? "DateTime64(6, 'UTC')" : (c === 'user_id' || c === 'event' ? 'String' : 'Nullable(String)')));
    s.query("CREATE TABLE " + r.table + " (" + cols.join(', ') + ") ENGINE = Memory");
    s.query("INSERT INTO " + r.table + " SELECT * FROM file('" + r.csv + "', 'CSVWithNames', '" + cols.join(', ').replaceAll("'", "\\'") + "') SETTINGS date_time_input_format = 'best_effort', input_format_csv_empty_as_default = 1");
  };
  run = async (sql) => String(s.query(sql.replace(/;\s*$/, ''), 'CSVWithNames'));
}
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const r = JSON.parse(line);
  try {
    if (r.load) { await load(r); process.stdout.write(JSON.stringify({ csv: '' }) + '\n'); }
    else process.stdout.write(JSON.stringify({ csv: await run(r.query) }) + '\n');
  } catch (e) { process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }) + '\n'); }
}
`

type nodeEngine struct {
	name string
	mu   sync.Mutex
	in   io.WriteCloser
	out  *bufio.Reader
	dir  string
}

func startNodeEngine(name, modules string) (*nodeEngine, error) {
	script := filepath.Join(modules, "..", "uptake-engine.mjs")
	if err := os.WriteFile(script, []byte(nodeEngineScript), 0o644); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "uptake-engine-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", script, name)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &nodeEngine{name: name, in: in, out: bufio.NewReaderSize(out, 1<<20), dir: dir}, nil
}

func (n *nodeEngine) call(req map[string]any) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	b, _ := json.Marshal(req)
	if _, err := n.in.Write(append(b, '\n')); err != nil {
		return "", err
	}
	line, err := n.out.ReadBytes('\n')
	if err != nil {
		return "", fmt.Errorf("%s engine: %w", n.name, err)
	}
	var resp struct{ CSV, Error string }
	if err := json.Unmarshal(line, &resp); err != nil {
		return "", err
	}
	if resp.Error != "" {
		return "", fmt.Errorf("%s", resp.Error)
	}
	return resp.CSV, nil
}

func (n *nodeEngine) Load(name string, cols []string, rows [][]string) error {
	path := filepath.Join(n.dir, name+".csv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(cols)
	_ = w.WriteAll(rows)
	if err := f.Close(); err != nil {
		return err
	}
	_, err = n.call(map[string]any{"load": true, "table": name, "cols": cols, "csv": path})
	return err
}

func (n *nodeEngine) Query(sql string) ([]string, [][]string, error) {
	text, err := n.call(map[string]any{"query": sql})
	if err != nil {
		return nil, nil, err
	}
	return parseResultCSV(text)
}

func parseResultCSV(text string) ([]string, [][]string, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, nil, fmt.Errorf("reading the result: %v: %.200q", err, text)
	}
	for _, row := range recs[1:] {
		for i, v := range row {
			if v == `\N` {
				row[i] = ""
			}
		}
	}
	return recs[0], recs[1:], nil
}

// pgEngine is a PostgreSQL database; its session zone is set far from UTC
// so that a query that leaned on it would fail.
type pgEngine struct{ conn *pgx.Conn }

func openPostgres(dsn string) (*pgEngine, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "SET TimeZone = 'Pacific/Auckland'"); err != nil {
		return nil, err
	}
	return &pgEngine{conn: conn}, nil
}

func (p *pgEngine) Load(name string, cols []string, rows [][]string) error {
	ctx := context.Background()
	defs := make([]string, len(cols))
	for i, c := range cols {
		typ := "text"
		if c == "ts" {
			typ = "timestamptz"
		}
		defs[i] = pgx.Identifier{c}.Sanitize() + " " + typ
	}
	tbl := pgx.Identifier{name}.Sanitize()
	if _, err := p.conn.Exec(ctx, "DROP TABLE IF EXISTS "+tbl+"; CREATE TABLE "+tbl+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	src := make([][]any, len(rows))
	for i, row := range rows {
		vals := make([]any, len(row))
		for j, v := range row {
			switch {
			case cols[j] == "ts":
				tm, err := time.Parse(time.RFC3339Nano, v)
				if err != nil {
					return err
				}
				vals[j] = tm
			case v == "" && cols[j] != "user_id" && cols[j] != "event":
				vals[j] = nil
			default:
				vals[j] = v
			}
		}
		src[i] = vals
	}
	if _, err := p.conn.CopyFrom(ctx, pgx.Identifier{name}, cols, pgx.CopyFromRows(src)); err != nil {
		return err
	}
	// Without statistics the planner guesses one row per table and nests
	// loops over the joins: minutes instead of a second.
	_, err := p.conn.Exec(ctx, "ANALYZE "+tbl)
	return err
}

func (p *pgEngine) Query(sql string) ([]string, [][]string, error) {
	q, err := runPostgresConn(context.Background(), p.conn, sql)
	if err != nil {
		return nil, nil, err
	}
	return q.Columns, q.Rows, nil
}
