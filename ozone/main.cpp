// SPDX-License-Identifier: MulanPSL-2.0
//
// ozone: the sandbox launcher (namespaces, pivot_root, cgroups, capabilities). Not built
// out yet: it refuses to run rather than pretend to sandbox anything.
#include <cstdio>

int main() {
  std::fprintf(stderr, "ozone: not supported yet (the sandbox launcher lands in a later issue)\n");
  return 1;
}
