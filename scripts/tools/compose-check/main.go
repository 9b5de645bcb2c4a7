// compose-check loads a Compose file with compose-go, the loader `docker compose config` is built on: it
// validates the file against the Compose Specification, interpolates variables (a required one that is unset
// is an error) and prints the resolved project as JSON, like `docker compose config --format json`.
// Built by scripts/tools/build-compose-check.sh for the compose test where Docker's compose plugin is absent.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check COMPOSE_FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "compose-check:", err)
		os.Exit(1)
	}
}

func run(file string) error {
	options, err := cli.NewProjectOptions([]string{file}, cli.WithOsEnv, cli.WithWorkingDirectory("."))
	if err != nil {
		return err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	out, err := project.MarshalJSON()
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}
