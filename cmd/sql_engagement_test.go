package cmd

func init() {
	engagement := []sqlCase{
		{"engagement", "engagement", nil},
		{"engagement-28-la", "engagement", []string{"--mau-window", "28", "--tz", "America/Los_Angeles", "--stickiness", "ratio-of-means"}},
		{"engagement-month-since", "engagement", []string{"--mau-window", "calendar-month", "--since", "2024-02-10", "--from", "2024-03-01"}},
		{"engagement-asof-active", "engagement", []string{"--active-event", "report_created", "--as-of", "2024-05-01T12:00:00Z", "--tz", "America/Sao_Paulo"}},
	}
	sqlCases = append(sqlCases, engagement...)
	sqlVendorCases = append(sqlVendorCases, engagement[0], engagement[1])
}
