package ingest

import (
	"slices"
	"strings"
)

// PropertyNames are the field names the input offers to --where and --by:
// the fields mapped to the user, event, time and event id, and the
// properties the kept events carry (read with Need.PropertyStats). A
// property inside an object the format keeps properties in (properties.,
// a vendor's event_properties., …) is listed by its bare name too, as the
// flags accept it; so are the columns of a users table. Sorted, each once.
func (d *Dataset) PropertyNames() []string {
	var prefixes, out []string
	for _, f := range d.Stats.Files {
		for _, fl := range f.Mapping.fields() {
			out = append(out, fl.Paths...)
		}
		json := f.Format == "jsonl" || f.Format == "json"
		if v := vendorNamed(f.Vendor, json); v != nil {
			prefixes = append(prefixes, v.PropPrefixes...)
		} else if json {
			prefixes = append(prefixes, "properties.")
		}
	}
	for _, p := range d.Stats.Props {
		out = append(out, p.Name)
		for _, pre := range prefixes {
			if bare, ok := strings.CutPrefix(p.Name, pre); ok && bare != "" {
				out = append(out, bare)
			}
		}
	}
	if d.Table != nil {
		out = append(out, d.Table.Columns...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
