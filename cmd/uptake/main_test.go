package main

import (
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/uptake-dev/uptake/cmd"
)

var update = flag.Bool("update", false, "update testscript files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"uptake": func() { os.Exit(cmd.Main(cmd.System(), os.Args[1:])) },
	})
}

// TestScript runs testdata/script/*.txtar against the real binary: its
// stdin, stdout, stderr and exit codes.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", UpdateScripts: *update, RequireExplicitExec: true})
}
