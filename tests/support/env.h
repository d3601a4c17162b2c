#pragma once

#include <initializer_list>
#include <string>
#include <vector>

namespace skillstream::testing {

// A null-terminated environment block like `environ`, owning its strings.
class Env {
 public:
  Env(std::initializer_list<std::string> vars) : vars_(vars) {
    for (auto& v : vars_) ptrs_.push_back(v.data());
    ptrs_.push_back(nullptr);
  }
  char** get() { return ptrs_.data(); }

 private:
  std::vector<std::string> vars_;
  std::vector<char*> ptrs_;
};

}  // namespace skillstream::testing
