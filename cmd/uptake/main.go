// Command uptake computes product metrics from event and survey exports.
package main

import (
	"os"
	"runtime/pprof"

	"github.com/uptake-dev/uptake/cmd"
)

func main() {
	// UPTAKE_CPUPROFILE=FILE writes a CPU profile of the run (for go tool
	// pprof; see docs/benchmarks.md).
	if path := os.Getenv("UPTAKE_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := cmd.Main(cmd.System(), os.Args[1:])
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(cmd.Main(cmd.System(), os.Args[1:]))
}
