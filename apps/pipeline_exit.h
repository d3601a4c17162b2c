#pragma once

#include <cstdio>

#include "pipeline/kafka_pipeline.h"

namespace skillstream::apps {

// The process exit code of a pipeline run (README: Exit codes), with its one error
// line on standard error: 0 done, 1 failed (fatal Kafka error, halt), 3 undelivered.
inline int pipeline_exit_code(const char* command, const pipeline::PipelineResult& r) {
  switch (r.exit) {
    case pipeline::PipelineExit::ok:
      return 0;
    case pipeline::PipelineExit::failed:
      std::fprintf(stderr, "skillstream %s: %s\n", command, r.error.c_str());
      return 1;
    case pipeline::PipelineExit::undelivered:
      std::fprintf(stderr, "skillstream %s: %s\n", command, r.error.c_str());
      return 3;
  }
  return 1;
}

}  // namespace skillstream::apps
