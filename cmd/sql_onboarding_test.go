package cmd

func init() {
	const steps = "onboarding_started,profile_completed,project_created,teammate_invited,onboarding_completed"
	sqlCases = append(sqlCases,
		sqlCase{"onboarding", "onboarding", []string{"--steps", steps}},
		sqlCase{"onboarding-any-3d", "onboarding", []string{"--steps", steps, "--order", "any", "--within", "3d"}},
		sqlCase{"onboarding-signups-calendar-la", "onboarding", []string{"--steps", "onboarding_started,profile_completed,project_created", "--denominator", "signups",
			"--signup-event", "signup", "--window-mode", "calendar", "--within", "2d", "--tz", "America/Los_Angeles", "--as-of", "2024-06-01"}},
		sqlCase{"onboarding-signups-any-range", "onboarding", []string{"--steps", steps, "--denominator", "signups", "--order", "any", "--within", "36h",
			"--from", "2024-03-01", "--to", "2024-05-01"}},
		// cohorts: starters by week (censored at as_of), signups by month
		// from --since (a warm-up cohort)
		sqlCase{"onboarding-cohorts-week-asof", "onboarding", []string{"--steps", "onboarding_started,project_created", "--within", "7d",
			"--cohort-period", "week", "--week-start", "sunday", "--as-of", "2024-06-20", "--tz", "Europe/Berlin"}},
		sqlCase{"onboarding-cohorts-signups-since", "onboarding", []string{"--steps", "onboarding_started,project_created,report_created", "--denominator", "signups",
			"--cohort-period", "month", "--since", "2024-02-10"}},
	)
}
