package cmd

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const nodeDuckScript = `
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'fs';
const [,, csvPath, sqlPath] = process.argv;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run("CREATE TABLE events AS SELECT * FROM read_csv('" + csvPath + "', header=true, all_varchar=true)");
await con.run("ALTER TABLE events ALTER ts TYPE TIMESTAMPTZ USING CAST(ts AS TIMESTAMPTZ)");
const reader = await con.runAndReadAll(fs.readFileSync(sqlPath, 'utf8'));
const q = s => /[",\n]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
console.log(reader.columnNames().map(q).join(','));
for (const row of reader.getRowsJS()) console.log(row.map(v => v === null ? '' : q(String(v))).join(','));
`

func runNodeDuck(t *testing.T, modules, csvPath, sql string) ([]string, [][]string, error) {
	dir := t.TempDir()
	script := filepath.Join(modules, "uptake-q.mjs")
	if err := os.WriteFile(script, []byte(nodeDuckScript), 0o644); err != nil {
		return nil, nil, err
	}
	sqlPath := filepath.Join(dir, "q.sql")
	if err := os.WriteFile(sqlPath, []byte(sql), 0o644); err != nil {
		return nil, nil, err
	}
	var out, errb bytes.Buffer
	cmd := exec.Command("node", script, csvPath, sqlPath)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("%v: %s", err, errb.String())
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, nil, fmt.Errorf("reading result: %v", err)
	}
	return recs[0], recs[1:], nil
}
