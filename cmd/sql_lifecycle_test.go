package cmd

func init() {
	lifecycle := []sqlCase{
		{"lifecycle-week", "lifecycle", nil},
		{"lifecycle-month-la", "lifecycle", []string{"--period", "month", "--tz", "America/Los_Angeles"}},
		{"lifecycle-day-since", "lifecycle", []string{"--period", "day", "--since", "2024-06-20", "--from", "2024-06-15", "--as-of", "2024-07-01T12:00:00Z"}},
		{"lifecycle-week-sunday-active", "lifecycle", []string{"--week-start", "sunday", "--active-event", "report_created", "--tz", "America/Sao_Paulo"}},
	}
	sqlCases = append(sqlCases, lifecycle...)
	sqlVendorCases = append(sqlVendorCases, sqlCase{"lifecycle-day", "lifecycle", []string{"--period", "day"}})
}
