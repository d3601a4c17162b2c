// skillstream: validates, privacy-scans and routes agent session logs.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "apps/commands.h"

#ifndef SKILLSTREAM_VERSION
#define SKILLSTREAM_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"SkillStream: a streaming validator and router for agent session logs"};
  app.set_version_flag("--version", "skillstream " SKILLSTREAM_VERSION);
  app.require_subcommand(1);

  int exit_code = 0;
  skillstream::apps::add_validate_command(app, exit_code);
  skillstream::apps::add_generate_command(app, exit_code);
  skillstream::apps::add_run_command(app, exit_code);
  skillstream::apps::add_broker_command(app, exit_code);
  skillstream::apps::add_demo_command(app, exit_code);
  skillstream::apps::add_bench_command(app, exit_code);
  skillstream::apps::add_dlq_command(app, exit_code);
  skillstream::apps::add_redrive_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    // One clear line, exit 2: bad arguments.
    std::fprintf(stderr, "skillstream: %s (see --help)\n", e.what());
    return 2;
  }
  return exit_code;
}
