#include <vitals.hpp>

#include <cstdio>

struct Config {
  int epochs = 3;
  double lr = 0.1;
};

int main() {
  Config c;
  vitals::for_each_field(c, [](std::string_view name, auto& v) {
    std::printf("%.*s = %s\n", static_cast<int>(name.size()), name.data(), std::to_string(v).c_str());
  });
  return VITALS_VERSION_MAJOR == 0 ? 0 : 1;
}
