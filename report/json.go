package report

// The JSON format: the envelope scripts read.

import (
	"encoding/json"
	"io"
)

// WriteJSON writes the envelope, indented, with HTML characters unescaped.
func WriteJSON(w io.Writer, env Envelope) error {
	if env.Warnings == nil {
		env.Warnings = []Warning{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(env)
}
