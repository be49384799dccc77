package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newCmdGenDocs builds the hidden `uptake gen-docs DIR`, which writes the
// Markdown reference and man pages of every command.
func newCmdGenDocs(ios *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Write Markdown and man pages for every command into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			root.DisableAutoGenTag = true
			md := filepath.Join(args[0], "markdown")
			man := filepath.Join(args[0], "man")
			for _, d := range []string{md, man} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
			}
			if err := doc.GenMarkdownTree(root, md); err != nil {
				return err
			}
			if err := doc.GenManTree(root, &doc.GenManHeader{Title: "UPTAKE", Section: "1", Source: "uptake " + Version}, man); err != nil {
				return err
			}
			fmt.Fprintf(ios.ErrOut, "wrote %s and %s\n", md, man)
			return nil
		},
	}
}
