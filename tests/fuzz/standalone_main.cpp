// SPDX-License-Identifier: MulanPSL-2.0
//
// Runs a libFuzzer-style target without libFuzzer: replays every file given on the command
// line (or in the given directories), then applies `-rounds=N` deterministic random
// mutations (byte flips, token splices from the corpus, truncation) to the corpus. Used by
// ctest as a cheap regression/robustness check; real coverage-guided fuzzing is scripts/fuzz.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void run(const std::vector<uint8_t>& input) { LLVMFuzzerTestOneInput(input.data(), input.size()); }

}  // namespace

int main(int argc, char** argv) {
  long rounds = 0;
  std::vector<std::vector<uint8_t>> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-rounds=", 0) == 0) {
      rounds = std::stol(arg.substr(8));
      continue;
    }
    std::filesystem::path p(arg);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::directory_iterator(p)) {
        if (e.is_regular_file()) corpus.push_back(read_file(e.path()));
      }
    } else {
      corpus.push_back(read_file(p));
    }
  }
  for (const auto& input : corpus) run(input);
  if (corpus.empty()) corpus.push_back({});
  std::mt19937_64 rng(0x5747a7);
  for (long r = 0; r < rounds; ++r) {
    std::vector<uint8_t> m = corpus[rng() % corpus.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:
          if (!m.empty()) m[rng() % m.size()] = static_cast<uint8_t>(rng());
          break;
        case 1:
          if (!m.empty()) m.resize(rng() % m.size());
          break;
        case 2: {
          const auto& other = corpus[rng() % corpus.size()];
          if (!other.empty()) {
            size_t from = rng() % other.size();
            size_t len = rng() % (other.size() - from + 1);
            m.insert(m.begin() + static_cast<long>(m.empty() ? 0 : rng() % m.size()),
                     other.begin() + static_cast<long>(from),
                     other.begin() + static_cast<long>(from + len));
          }
          break;
        }
        default: {
          static const char* kTokens[] = {",", "=", ",,", "\n", "-device\n", "{", "}", "0x", "-",
                                          "on", "off", ":", "\"", "4294967296", "18446744073709551616"};
          std::string t = kTokens[rng() % (sizeof(kTokens) / sizeof(kTokens[0]))];
          m.insert(m.begin() + static_cast<long>(m.empty() ? 0 : rng() % m.size()), t.begin(), t.end());
          break;
        }
      }
    }
    run(m);
  }
  std::printf("fuzz: %zu corpus inputs, %ld mutations, no crash\n", corpus.size(), rounds);
  return 0;
}
