package metrics

// Registry is every metric, in the order commands list them. A new metric
// is one file in this package and one line here.
var Registry = []Metric{
	ActivationMetric,
	NPSMetric,
	CSATMetric,
	CESMetric,
}
