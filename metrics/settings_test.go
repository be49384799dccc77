package metrics

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitEvents(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"a,b", []string{"a", "b"}},
		{" a , ,b ", []string{"a", "b"}},
		{"signup,feature_used[plan ~ ^(pro,team)$],report_created", []string{"signup", "feature_used[plan ~ ^(pro,team)$]", "report_created"}},
		{`"Signed up, free",report_created`, []string{"Signed up, free", "report_created"}},
		{`"say ""hi"", please",x`, []string{`say "hi", please`, "x"}},
		{`a"b,c`, []string{`a"b`, "c"}}, // a quote inside a name is the name's
		{"done \x1b[31mred,b", []string{"done \x1b[31mred", "b"}},
		{"", nil},
	} {
		if got := SplitEvents(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("SplitEvents(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
