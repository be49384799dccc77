package demo

import (
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// parquetRow is one event of the Parquet export: the CSV's columns, with
// the time as a UTC timestamp in microseconds (as PostHog's and the
// warehouses' exports write it), empty properties as nulls, and score and
// amount as integers.
type parquetRow struct {
	Timestamp         int64  `parquet:"timestamp,timestamp(microsecond:utc)"`
	UserID            string `parquet:"user_id,dict"`
	Event             string `parquet:"event,dict"`
	Plan              string `parquet:"plan,optional,dict"`
	Role              string `parquet:"role,optional,dict"`
	CompanySize       string `parquet:"company_size,optional,dict"`
	OnboardingVariant string `parquet:"onboarding_variant,optional,dict"`
	SignupSource      string `parquet:"signup_source,optional,dict"`
	Feature           string `parquet:"feature,optional,dict"`
	Score             *int32 `parquet:"score,optional"`
	Amount            *int32 `parquet:"amount,optional"`
}

// ParquetRowGroup is the number of rows per row group of the Parquet
// export: DuckDB's default, so the file reads as a warehouse's would.
const ParquetRowGroup = 122880

// writeParquet writes the export as Parquet, zstd-compressed.
func writeParquet(w io.Writer, recs []rec, users []user) error {
	pw := parquet.NewGenericWriter[parquetRow](w,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.MaxRowsPerRowGroup(ParquetRowGroup),
		parquet.CreatedBy("uptake demo", "", ""))
	rows := make([]parquetRow, 0, 4096)
	ints := make([]int32, 0, 4096) // score and amount, pointed to by rows
	user := make([]byte, 0, 8)
	flush := func() error {
		_, err := pw.Write(rows)
		rows, ints = rows[:0], ints[:0]
		return err
	}
	for _, r := range recs {
		user = appendPadded(append(user[:0], 'u'), int(r.user))
		row := parquetRow{Timestamp: r.t * 1e6, UserID: string(user), Event: kindName[r.kind]}
		num := func(v int32) *int32 {
			ints = append(ints, v)
			return &ints[len(ints)-1]
		}
		switch r.kind {
		case kSignup:
			u := users[r.user-1]
			row.Plan, row.Role, row.CompanySize = plans[u.plan], roles[u.role], sizes[u.size]
			row.OnboardingVariant, row.SignupSource = variants[u.variant], sources[u.source]
		case kFeature:
			row.Feature = features[r.a]
		case kNPS, kCES, kCSAT:
			row.Score = num(int32(r.a))
		case kSubscription, kInvoice:
			row.Plan, row.Amount = plans[r.a], num(int32(r.b))
		}
		rows = append(rows, row)
		if len(rows) == cap(rows) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return pw.Close()
}
