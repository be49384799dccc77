package cmd

func init() {
	churn := []sqlCase{
		{"churn-month", "churn", nil},
		{"churn-week-sunday-la", "churn", []string{"--period", "week", "--week-start", "sunday", "--tz", "America/Los_Angeles"}},
		{"churn-week-range-asof", "churn", []string{"--period", "week", "--from", "2024-03-01", "--to", "2024-06-01", "--as-of", "2024-05-13T00:00:00Z"}},
		{"churn-month-asof-edge", "churn", []string{"--as-of", "2024-06-01", "--active-event", "report_created"}},
	}
	sqlCases = append(sqlCases, churn...)
	sqlVendorCases = append(sqlVendorCases, sqlCase{"churn-week", "churn", []string{"--period", "week"}})
}
