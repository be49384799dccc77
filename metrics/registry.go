package metrics

// Registry is every metric. A new metric is one file in this package and
// one line here.
var Registry = []Metric{
	OnboardingMetric,
	ActivationMetric,
	FunnelMetric,
	RetentionMetric,
	ChurnMetric,
	LifecycleMetric,
	EngagementMetric,
	TrendsMetric,
	AdoptionMetric,
	NPSMetric,
	CSATMetric,
	CESMetric,
	TrialMetric,
	ReferralMetric,
	TicketsMetric,
	CACMetric,
	RepeatMetric,
	RevenueMetric,
	CLVMetric,
	DriversMetric,
}
