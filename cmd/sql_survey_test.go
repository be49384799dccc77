package cmd

func init() {
	sqlCases = append(sqlCases,
		sqlCase{"nps", "nps", []string{"--event", "nps_response", "--score-prop", "score"}},
		sqlCase{"nps-month-wald-la", "nps", []string{"--event", "nps_response", "--period", "month", "--nps-ci", "wald", "--tz", "America/Los_Angeles", "--conf", "0.9"}},
		sqlCase{"nps-week-first-range", "nps", []string{"--event", "nps_response", "--period", "week", "--week-start", "sunday", "--survey-dedupe", "first", "--from", "2024-03-01", "--to", "2024-06-01"}},
		sqlCase{"csat", "csat", []string{"--event", "csat_response"}},
		sqlCase{"csat-month-all", "csat", []string{"--event", "csat_response", "--period", "month", "--survey-dedupe", "all", "--satisfied-min", "5"}},
		sqlCase{"ces", "ces", []string{"--event", "ces_response"}},
		sqlCase{"ces-week-normalize", "ces", []string{"--event", "ces_response", "--period", "week", "--normalize", "--since", "2024-02-01"}},
	)
}
