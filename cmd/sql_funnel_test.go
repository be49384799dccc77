package cmd

func init() {
	sqlCases = append(sqlCases,
		sqlCase{"funnel", "funnel", []string{"--steps", "signup,onboarding_started,report_created"}},
		sqlCase{"funnel-any-2d", "funnel", []string{"--steps", "project_created,teammate_invited,report_created", "--order", "any", "--within", "2d"}},
		sqlCase{"funnel-calendar-la-asof", "funnel", []string{"--steps", "page_viewed,feature_used,report_created", "--window-mode", "calendar", "--within", "1d",
			"--tz", "America/Los_Angeles", "--as-of", "2024-06-01", "--from", "2024-05-01"}},
		sqlCase{"funnel-any-1h-range", "funnel", []string{"--steps", "session_started,feature_used,report_created,page_viewed", "--order", "any", "--within", "1h",
			"--from", "2024-04-01", "--to", "2024-05-01"}},
		// cohorts: by the best attempt's week, the censored by their first
		sqlCase{"funnel-cohorts-week-asof", "funnel", []string{"--steps", "onboarding_started,project_created,report_created", "--within", "3d",
			"--cohort-period", "week", "--as-of", "2024-06-20", "--tz", "Asia/Kolkata"}},
		sqlCase{"funnel-cohorts-any-month", "funnel", []string{"--steps", "project_created,teammate_invited", "--order", "any", "--within", "1d",
			"--cohort-period", "month", "--from", "2024-02-01"}},
	)
}
