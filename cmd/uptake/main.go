// Command uptake computes product metrics from event and survey exports.
package main

import (
	"os"

	"github.com/uptake-dev/uptake/cmd"
)

func main() { os.Exit(cmd.Main(cmd.System(), os.Args[1:])) }
