package cmd

func init() {
	trends := []sqlCase{
		{"trends", "trends", nil},
		{"trends-week-events-la", "trends", []string{"--period", "week", "--event", "signup,report_created", "--tz", "America/Los_Angeles", "--week-start", "sunday"}},
		{"trends-month-top3-range", "trends", []string{"--period", "month", "--top", "3", "--from", "2024-02-15", "--to", "2024-06-01", "--since", "2024-01-20"}},
		{"trends-day-asof", "trends", []string{"--top", "2", "--as-of", "2024-03-10T12:00:00Z", "--from", "2024-03-01", "--tz", "America/Sao_Paulo"}},
	}
	sqlCases = append(sqlCases, trends...)
	sqlVendorCases = append(sqlVendorCases, trends[0], sqlCase{"trends-week", "trends", []string{"--period", "week", "--top", "3"}})
}
