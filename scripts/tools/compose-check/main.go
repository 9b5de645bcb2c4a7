// compose-check loads a Compose file with compose-go, the loader `docker compose config` is built on: it
// validates the file against the Compose Specification, interpolates variables (a required one that is unset
// is an error) and prints the resolved project as JSON, like `docker compose config --format json`.
// Variables come from the environment and, as with docker compose, from each --env-file in order, else from
// the comma-separated files in COMPOSE_ENV_FILES, else from .env.
// Built by scripts/tools/build-compose-check.sh for the compose test where Docker's compose plugin is absent.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	var envFiles []string
	args := os.Args[1:]
	for len(args) > 2 && args[0] == "--env-file" {
		envFiles = append(envFiles, args[1])
		args = args[2:]
	}
	if len(envFiles) == 0 && os.Getenv("COMPOSE_ENV_FILES") != "" {
		envFiles = strings.Split(os.Getenv("COMPOSE_ENV_FILES"), ",")
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: compose-check [--env-file FILE]... COMPOSE_FILE")
		os.Exit(2)
	}
	if err := run(args[0], envFiles); err != nil {
		fmt.Fprintln(os.Stderr, "compose-check:", err)
		os.Exit(1)
	}
}

func run(file string, envFiles []string) error {
	options, err := cli.NewProjectOptions([]string{file}, cli.WithWorkingDirectory("."), cli.WithOsEnv, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
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
