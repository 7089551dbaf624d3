// Reflection core: field names/counts, visiting, enum names, type names.
#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <memory>
#include <variant>
#include <optional>
#include <string>
#include <vector>

#include "vitals/reflect.hpp"

namespace refl_test {
enum class Arch { resnet, transformer, mlp = 7 };
enum Unscoped { alpha, beta, gamma };
enum class Wide : int { e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24, e25, e26, e27, e28, e29, e30, e31, e32, e33, e34, e35, e36, e37, e38, e39, e40, e41, e42, e43, e44, e45, e46, e47, e48, e49, e50, e51, e52, e53, e54, e55, e56, e57, e58, e59, e60, e61, e62, e63, e64, e65, e66, e67, e68, e69, e70, e71, e72, e73, e74, e75, e76, e77, e78, e79, e80, e81, e82, e83, e84, e85, e86, e87, e88, e89, e90, e91, e92, e93, e94, e95, e96, e97, e98, e99, e100, e101, e102, e103, e104, e105, e106, e107, e108, e109, e110, e111, e112, e113, e114, e115, e116, e117, e118, e119, e120, e121, e122, e123, e124, e125, e126, e127, e128, e129, e130, e131, e132, e133, e134, e135, e136, e137, e138, e139, e140, e141, e142, e143, e144, e145, e146, e147, e148, e149, e150, e151, e152, e153, e154, e155, e156, e157, e158, e159, e160, e161, e162, e163, e164, e165, e166, e167, e168, e169, e170, e171, e172, e173, e174, e175, e176, e177, e178, e179, e180, e181, e182, e183, e184, e185, e186, e187, e188, e189, e190, e191, e192, e193, e194, e195, e196, e197, e198, e199, e200, e201, e202, e203, e204, e205, e206, e207, e208, e209, e210, e211, e212, e213, e214, e215, e216, e217, e218, e219, e220, e221, e222, e223, e224, e225, e226, e227, e228, e229, e230, e231, e232, e233, e234, e235, e236, e237, e238, e239, e240, e241, e242, e243, e244, e245, e246, e247, e248, e249, e250, e251, e252, e253, e254, e255 };
enum class Negative { minus = -5, zero = 0, plus = 5 };

struct Optim {
  double lr = 3e-4;
  double weight_decay = 0.01;
};
struct Train {
  std::string exp_name = "default";
  std::vector<int> folds{0, 1, 2};
  std::optional<int> seed;
  std::array<float, 3> betas{0.9f, 0.99f, 0.999f};
  Optim optim;
  Arch arch = Arch::transformer;
  std::map<std::string, double> extra;
};
struct Outer {
  Train train;
  bool debug = false;
};
// g++ 12 crashed on Boost.PFR 1.81's own field count for these members (braced std::string
// lists, move-only members); vitals counts fields itself.
struct Tricky {
  std::vector<std::string> tags{"a", "b"};
  std::unique_ptr<int> owned;
  std::optional<Optim> maybe;
  std::variant<int, std::string> either;
  Arch arch = Arch::resnet;
};
struct OneField {
  int only = 7;
};
struct Many {
  int f0 = 0;
  int f1 = 1;
  int f2 = 2;
  int f3 = 3;
  int f4 = 4;
  int f5 = 5;
  int f6 = 6;
  int f7 = 7;
  int f8 = 8;
  int f9 = 9;
  int f10 = 10;
  int f11 = 11;
  int f12 = 12;
  int f13 = 13;
  int f14 = 14;
  int f15 = 15;
  int f16 = 16;
  int f17 = 17;
  int f18 = 18;
  int f19 = 19;
  int f20 = 20;
  int f21 = 21;
  int f22 = 22;
  int f23 = 23;
  int f24 = 24;
  int f25 = 25;
  int f26 = 26;
  int f27 = 27;
  int f28 = 28;
  int f29 = 29;
  int f30 = 30;
  int f31 = 31;
  int f32 = 32;
  int f33 = 33;
  int f34 = 34;
  int f35 = 35;
  int f36 = 36;
  int f37 = 37;
  int f38 = 38;
  int f39 = 39;
  int f40 = 40;
  int f41 = 41;
  int f42 = 42;
  int f43 = 43;
  int f44 = 44;
  int f45 = 45;
  int f46 = 46;
  int f47 = 47;
  int f48 = 48;
  int f49 = 49;
  int f50 = 50;
  int f51 = 51;
  int f52 = 52;
  int f53 = 53;
  int f54 = 54;
  int f55 = 55;
  int f56 = 56;
  int f57 = 57;
  int f58 = 58;
  int f59 = 59;
  int f60 = 60;
  int f61 = 61;
  int f62 = 62;
  int f63 = 63;
};
}  // namespace refl_test

using namespace refl_test;

TEST_CASE("field names and count of a nested aggregate") {
  STATIC_REQUIRE(vitals::field_count<Train> == 7);
  STATIC_REQUIRE(vitals::field_names<Train>[0] == "exp_name");
  STATIC_REQUIRE(vitals::field_names<Train>[4] == "optim");
  STATIC_REQUIRE(vitals::field_names<Train>[6] == "extra");
  STATIC_REQUIRE(vitals::field_name<Optim, 1> == "weight_decay");
  STATIC_REQUIRE(vitals::field_names<Outer>[0] == "train");
}

TEST_CASE("field count does not depend on Boost.PFR's counter") {
  STATIC_REQUIRE(vitals::field_count<Tricky> == 5);
  STATIC_REQUIRE(vitals::field_names<Tricky>[0] == "tags");
  STATIC_REQUIRE(vitals::field_names<Tricky>[4] == "arch");
  STATIC_REQUIRE(vitals::field_count<OneField> == 1);
  STATIC_REQUIRE(vitals::field_names<OneField>[0] == "only");
  Tricky t;
  CHECK(vitals::get_field<0>(t).size() == 2);
  STATIC_REQUIRE(std::is_same_v<vitals::field_type_t<1, Tricky>, std::unique_ptr<int>>);
  OneField one;
  int seen = 0;
  vitals::for_each_field(one, [&](std::string_view, int v) { seen = v; });
  CHECK(seen == 7);
}

TEST_CASE("structs with 64 fields") {
  STATIC_REQUIRE(vitals::field_count<Many> == 64);
  STATIC_REQUIRE(vitals::field_names<Many>[0] == "f0");
  STATIC_REQUIRE(vitals::field_names<Many>[63] == "f63");
  Many m;
  int sum = 0, n = 0;
  vitals::for_each_field(m, [&](std::string_view name, int v) {
    CHECK(name == "f" + std::to_string(n));
    sum += v;
    ++n;
  });
  CHECK(n == 64);
  CHECK(sum == 63 * 64 / 2);
}

TEST_CASE("for_each_field visits in order and can modify") {
  Train t;
  std::vector<std::string> names;
  vitals::for_each_field(t, [&](std::string_view name, auto& v) {
    names.emplace_back(name);
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::optional<int>>) v = 42;
  });
  CHECK(names == std::vector<std::string>{"exp_name", "folds", "seed", "betas", "optim", "arch", "extra"});
  CHECK(t.seed == 42);
  const Optim o{1.0, 2.0};
  double total = 0;
  vitals::for_each_field(o, [&](std::string_view, const double& v) { total += v; });
  CHECK(total == 3.0);
}

TEST_CASE("enum names, scoped and unscoped") {
  STATIC_REQUIRE(vitals::enum_to_string(Arch::mlp) == "mlp");
  STATIC_REQUIRE(vitals::enum_to_string(beta) == "beta");
  STATIC_REQUIRE(vitals::enum_entries<Arch>().size() == 3);
  CHECK(vitals::enum_from_string<Arch>("transformer") == Arch::transformer);
  CHECK_FALSE(vitals::enum_from_string<Arch>("Transformer").has_value());
  CHECK(vitals::enum_to_string(static_cast<Arch>(3)).empty());
  CHECK(vitals::enum_to_string(Negative::minus) == "minus");
  CHECK(vitals::enum_from_string<Negative>("plus") == Negative::plus);
}

TEST_CASE("enums with 256 enumerators") {
  STATIC_REQUIRE(vitals::enum_entries<Wide>().size() == 256);
  CHECK(vitals::enum_to_string(Wide::e255) == "e255");
  CHECK(vitals::enum_from_string<Wide>("e128") == Wide::e128);
}

TEST_CASE("type names") {
  CHECK(vitals::type_name<Optim>() == "refl_test::Optim");
  CHECK(vitals::short_type_name<Optim>() == "Optim");
  CHECK(vitals::type_name<int>() == "int");
}

// Structs the compiler cannot take apart, reflected by opting in (issue #18): a derived aggregate
// through VITALS_REFLECT, classes with constructors / private fields through Boost.Hana.
#include "vitals/config/cli.hpp"
#include "vitals/config/convert.hpp"
#include "vitals/config/yaml_reader.hpp"
#include "vitals/reflect/hana.hpp"

namespace refl_test {
struct BaseCfg {
  int epochs = 3;
  double lr = 0.1;
};
struct DerivedCfg : BaseCfg {
  std::string name = "d";
};
struct Unlisted : BaseCfg {
  int extra = 0;
};
class HanaPrivate {
 public:
  HanaPrivate() = default;
  int warmup() const { return warmup_; }
  BOOST_HANA_DEFINE_STRUCT(HanaPrivate, (double, lr), (int, warmup_));
};
struct WithCtor {
  WithCtor() : x(5) {}
  int x;
  std::vector<int> folds{1, 2};
  DerivedCfg derived;
  HanaPrivate opt;
};
struct Holder {
  WithCtor inner;
  bool flag = false;
};
}  // namespace refl_test

VITALS_REFLECT(refl_test::DerivedCfg, epochs, lr, name);
BOOST_HANA_ADAPT_STRUCT(refl_test::WithCtor, x, folds, derived, opt);

TEST_CASE("non-aggregates and derived structs reflect when they opt in", "[reflect][custom]") {
  using namespace refl_test;
  STATIC_REQUIRE(vitals::reflectable<DerivedCfg>);
  STATIC_REQUIRE(vitals::reflectable<HanaPrivate>);
  STATIC_REQUIRE(vitals::reflectable<WithCtor>);
  STATIC_REQUIRE(!vitals::reflectable<Unlisted>);  // a base class, no field list: not guessed
  STATIC_REQUIRE(vitals::field_names<DerivedCfg> == std::array<std::string_view, 3>{"epochs", "lr", "name"});
  STATIC_REQUIRE(vitals::field_count<WithCtor> == 4);
  STATIC_REQUIRE(vitals::field_name<HanaPrivate, 1> == "warmup_");
  DerivedCfg d;
  std::vector<std::string> seen;
  vitals::for_each_field(d, [&](std::string_view name, auto& f) {
    seen.emplace_back(name);
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(f)>, int>) f = 7;
  });
  CHECK(seen == std::vector<std::string>{"epochs", "lr", "name"});
  CHECK(d.epochs == 7);
  // configs read and write them like any struct
  Holder h = vitals::config::from_node<Holder>(vitals::config::parse_yaml(
      "inner: {x: 9, folds: [4], derived: {epochs: 2, name: n}, opt: {lr: 0.5, warmup_: 3}}\nflag: true\n"));
  CHECK(h.inner.x == 9);
  CHECK(h.inner.folds == std::vector<int>{4});
  CHECK(h.inner.derived.epochs == 2);
  CHECK(h.inner.derived.lr == 0.1);
  CHECK(h.inner.derived.name == "n");
  CHECK(h.inner.opt.warmup() == 3);
  vitals::config::node n = vitals::config::to_node(h);
  CHECK(n.find("inner")->find("derived")->find("lr") != nullptr);
  CHECK_THROWS_WITH(vitals::config::from_node<Holder>(vitals::config::parse_yaml("inner: {derived: {epoch: 1}}\n")),
                    Catch::Contains("epochs"));  // did-you-mean works on listed fields
  // --help lists their fields, and key=value overrides reach them
  const char* help[] = {"prog", "--help"};
  auto r = vitals::cli_parser<Holder>().parse(2, help);
  CHECK_THAT(r.text, Catch::Contains("inner.derived.lr"));
  CHECK_THAT(r.text, Catch::Contains("inner.opt.warmup_"));
  const char* set[] = {"prog", "inner.derived.epochs=11", "inner.x=2"};
  auto c = vitals::cli_parser<Holder>().parse(3, set);
  CHECK(c.config.inner.derived.epochs == 11);
  CHECK(c.config.inner.x == 2);
}
