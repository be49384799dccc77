package cmd

func init() {
	sqlCases = append(sqlCases,
		sqlCase{"retention-week", "retention", nil},
		sqlCase{"retention-month-la", "retention", []string{"--period", "month", "--tz", "America/Los_Angeles", "--periods", "4"}},
		sqlCase{"retention-day-elapsed", "retention", []string{"--period", "day", "--window-mode", "elapsed", "--periods", "10"}},
		sqlCase{"retention-week-sunday-unbounded", "retention", []string{"--week-start", "sunday", "--mode", "unbounded", "--tz", "America/Sao_Paulo"}},
		sqlCase{"retention-recurring", "retention", []string{"--cohort", "recurring", "--periods", "3", "--from", "2024-03-01", "--to", "2024-06-01"}},
		sqlCase{"retention-elapsed-unbounded-asof", "retention", []string{"--window-mode", "elapsed", "--mode", "unbounded", "--as-of", "2024-05-06T00:00:00Z"}},
		sqlCase{"retention-since-events", "retention", []string{"--since", "2024-02-14", "--start-event", "project_created", "--return-event", "report_created", "--period", "month", "--periods", "3"}},
		sqlCase{"retention-active-event", "retention", []string{"--active-event", "report_created", "--active-event", "feature_used", "--as-of", "2024-05-05T23:59:59Z"}},
	)
	sqlVendorCases = append(sqlVendorCases,
		sqlCase{"retention-day", "retention", []string{"--period", "day", "--periods", "3"}},
		sqlCase{"retention-day-elapsed-la", "retention", []string{"--period", "day", "--periods", "3", "--window-mode", "elapsed", "--tz", "America/Los_Angeles"}},
	)
}
