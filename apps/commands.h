#pragma once

#include <CLI/CLI.hpp>

namespace skillstream::apps {

// Each adds one subcommand to `app`. When the subcommand runs, its callback stores
// the process exit code in `exit_code`: 0 success, 1 I/O or runtime failure, 2 bad
// arguments or configuration (one clear line on stderr), 3 shutdown bound passed
// with records undelivered.
void add_validate_command(CLI::App& app, int& exit_code);
void add_generate_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_broker_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_dlq_command(CLI::App& app, int& exit_code);  // dlq stats
void add_redrive_command(CLI::App& app, int& exit_code);

}  // namespace skillstream::apps
