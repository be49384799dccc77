package cmd

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptake-dev/uptake/metrics"
)

// runQuery runs query on the database dsn names and returns its rows as
// text: PostgreSQL (postgres://…, through pgx) or ClickHouse (clickhouse://…
// or http(s)://…, through its HTTP interface, which every ClickHouse server
// and ClickHouse Cloud serve).
func runQuery(ctx context.Context, dialect, dsn, query string) (*metrics.QueryRows, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return nil, usageErrorf("--run %q: want a URL such as postgres://user@host/db or clickhouse://user@host:8123/db", redactDSN(dsn))
	}
	switch u.Scheme {
	case "postgres", "postgresql":
		if dialect != "postgres" {
			return nil, usageErrorf("--run %s: a Postgres database runs --dialect postgres, not %s", u.Scheme, dialect)
		}
		return runPostgres(ctx, dsn, query)
	case "clickhouse", "http", "https":
		if dialect != "clickhouse" {
			return nil, usageErrorf("--run %s: a ClickHouse server runs --dialect clickhouse, not %s", u.Scheme, dialect)
		}
		return runClickHouse(ctx, u, query)
	}
	return nil, usageErrorf("--run %s://…: uptake runs queries on postgres:// and clickhouse:// (or http(s)://) databases; for another engine run the query yourself and read its CSV back with --from-result", u.Scheme)
}

// redactDSN hides a password in a DSN for messages.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Redacted()
	}
	return "(unparsable)"
}

// runPostgres runs query with the simple protocol, whose results are text
// as Postgres prints them (floats in their shortest exact form).
func runPostgres(ctx context.Context, dsn, query string) (*metrics.QueryRows, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("--run %s: %w", redactDSN(dsn), err)
	}
	defer conn.Close(context.Background())
	q, err := runPostgresConn(ctx, conn, query)
	if q != nil {
		q.Source = redactDSN(dsn)
	}
	return q, err
}

// runPostgresConn runs query on conn and returns its rows as text.
func runPostgresConn(ctx context.Context, conn *pgx.Conn, query string) (*metrics.QueryRows, error) {
	rows, err := conn.Query(ctx, query, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, fmt.Errorf("--run: %w", err)
	}
	defer rows.Close()
	q := &metrics.QueryRows{Source: "postgres"}
	for _, f := range rows.FieldDescriptions() {
		q.Columns = append(q.Columns, f.Name)
	}
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]string, len(raw))
		for i, v := range raw {
			row[i] = string(v) // NULL is nil: ""
		}
		q.Rows = append(q.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("--run: %w", err)
	}
	return q, nil
}

// runClickHouse posts query to a ClickHouse server's HTTP interface and
// reads the result as CSVWithNames. clickhouse://host[:port]/db uses port
// 8123 by default (https with ?secure=true, port 8443).
func runClickHouse(ctx context.Context, u *url.URL, query string) (*metrics.QueryRows, error) {
	endpoint := *u
	params := u.Query() // settings such as database=, passed on
	params.Del("secure")
	if u.Scheme == "clickhouse" {
		endpoint.Scheme = "http"
		if u.Query().Get("secure") == "true" {
			endpoint.Scheme = "https"
		}
		if u.Port() == "" {
			port := "8123"
			if endpoint.Scheme == "https" {
				port = "8443"
			}
			endpoint.Host = u.Hostname() + ":" + port
		}
		if db := strings.Trim(u.Path, "/"); db != "" {
			params.Set("database", db)
		}
		endpoint.Path = "/"
	}
	endpoint.User = nil
	endpoint.RawQuery = ""
	params.Set("default_format", "CSVWithNames")
	endpoint.RawQuery = params.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), strings.NewReader(strings.TrimSuffix(strings.TrimSpace(query), ";")))
	if err != nil {
		return nil, err
	}
	if user := u.User; user != nil {
		req.Header.Set("X-ClickHouse-User", user.Username())
		if p, ok := user.Password(); ok {
			req.Header.Set("X-ClickHouse-Key", p)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("--run %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("--run %s: %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(string(msg)))
	}
	cr := csv.NewReader(resp.Body)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("--run %s: reading the result: %w", u.Redacted(), err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("--run %s: the server returned no header row", u.Redacted())
	}
	q := &metrics.QueryRows{Columns: recs[0], Rows: recs[1:], Source: u.Redacted()}
	for _, row := range q.Rows {
		for i, v := range row {
			if v == `\N` {
				row[i] = ""
			}
		}
	}
	return q, nil
}
