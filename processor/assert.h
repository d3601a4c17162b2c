#pragma once

#include <cstdio>
#include <cstdlib>

// Bugs, not bad data or failed infrastructure: an always-on check that prints
// file:line and the condition, then aborts (Redpanda's vassert). Unlike assert() it
// stays in Release and RelWithDebInfo builds, which are the ones CI and users run.
// Keep conditions cheap: this is on in the record path's callers.
#define SKILLSTREAM_ASSERT(cond, msg)                                                            \
  do {                                                                                           \
    if (__builtin_expect(!(cond), 0)) {                                                          \
      std::fprintf(stderr, "%s:%d: assertion failed: %s: %s\n", __FILE__, __LINE__, #cond, msg); \
      std::fflush(stderr);                                                                       \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)
