package cmd

import (
	"bytes"
	"compress/gzip"
	"io"

	"github.com/spf13/cobra"
	"github.com/uptake-dev/uptake/ingest/demo"
)

// DemoOptions are the flags of `uptake demo`.
type DemoOptions struct {
	IO     *IOStreams
	Users  int
	Seed   uint64
	Format string
}

// NewCmdDemo builds `uptake demo`.
func NewCmdDemo(ios *IOStreams, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Write the built-in sample export (CSV) to stdout",
		Long: `Write a realistic, deterministic sample export of a SaaS product as CSV:
signups with user properties (plan, role, company_size, onboarding_variant,
signup_source), onboarding steps with drop-off (onboarding_started,
profile_completed, project_created, teammate_invited, onboarding_completed), an
activation event (report_created), ongoing activity with a decaying retention
curve and heavy-tailed usage (session_started, page_viewed, feature_used with a
feature property), trials and subscriptions with plan and amount, referrals,
support tickets, and survey answers (nps_response 0–10, ces_response 1–7,
csat_response 1–5, in the score column).

With no flags it writes exactly the export that --demo reads. --users and --seed
make others of any size: the benchmark uses it for 10M-event files.`,
		Example: `  uptake demo > demo.csv
  uptake demo --users 100000 --seed 7 | gzip > big.csv.gz
  uptake demo --format jsonl | head -3
  uptake demo --format mixpanel | uptake inspect -
  uptake demo | uptake inspect -`,
		GroupID: "data",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Users < 1 {
				return usageErrorf("--users must be at least 1, got %d", opts.Users)
			}
			if runF != nil {
				return runF(opts)
			}
			return runDemo(opts)
		},
	}
	cmd.Flags().IntVar(&opts.Users, "users", demo.DefaultUsers, "Number of users")
	cmd.Flags().Uint64Var(&opts.Seed, "seed", demo.DefaultSeed, "Random seed")
	enumFlag(cmd, &opts.Format, "format", "csv", demo.Shapes, "Output format: csv, JSON lines (properties nested), a vendor's raw export, or parquet")
	return cmd
}

func runDemo(opts *DemoOptions) error {
	if opts.Format == "csv" && opts.Users == demo.DefaultUsers && opts.Seed == demo.DefaultSeed {
		// exactly the embedded export, without generating it again
		zr, err := gzip.NewReader(bytes.NewReader(demo.Embedded))
		if err != nil {
			return err
		}
		_, err = io.Copy(opts.IO.Out, zr)
		return err
	}
	return demo.WriteShape(opts.IO.Out, opts.Users, opts.Seed, opts.Format)
}
