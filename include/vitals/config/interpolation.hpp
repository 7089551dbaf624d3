// Interpolation, resolved eagerly over a composed tree: `${a.b}`, relative `${.sibling}` /
// `${..uncle}`, string interpolation "run_${exp.fold}", and resolvers: OmegaConf's `oc.env`,
// `oc.select`, `oc.decode`, `oc.create`, `oc.dict.keys`, `oc.dict.values`, Hydra's `now` and
// `hydra:` (in a composition), and any registered with register_resolver — what
// OmegaConf.to_container(resolve=True) gives Hydra users.
//
// A value that is exactly one `${...}` takes the referenced value with its type (an int stays an
// int, a mapping is copied); text around an interpolation makes a string, with each piece spelled
// as Python's str() would ("True", "0.0003"), so the strings match what Hydra users see. Cycles
// and dangling references are errors that show the chain of keys.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/config/node.hpp"

namespace vitals::inline VITALS_ABI::config {
/// A resolver registered at run time: `${name:a,b}` calls it with the arguments, typed as
/// OmegaConf types them (interpolations resolved), and puts the returned node in place.
using resolver_function = std::function<node(const std::vector<node>& args)>;

namespace detail {

struct resolver_registry;  // defined in the .ipp

VITALS_INLINE std::shared_ptr<const resolver_function> find_resolver(const std::string& name);

VITALS_INLINE bool builtin_resolver(std::string_view name);

class interpolation_resolver;  // defined in the .ipp

}  // namespace detail

/// A copy of `root` with every interpolation resolved. Throws config_error naming the key, the
/// offending reference and, for cycles, the chain of keys. `${hydra:...}` is an error here: it
/// needs a composition (compose_tree and friends provide it).
VITALS_INLINE node resolve_interpolations(const node& root);

/// Registers `${name:...}` for every later resolution, like OmegaConf.register_new_resolver.
/// Throws std::invalid_argument for a malformed name, a built-in name (oc.*, hydra), or a name
/// already registered unless `replace`. Thread-safe.
VITALS_INLINE void register_resolver(const std::string& name, resolver_function fn, bool replace = false);

/// Removes a resolver registered with register_resolver; false when there was none.
VITALS_INLINE bool unregister_resolver(const std::string& name);

}  // namespace vitals::config

#if VITALS_HEADER_BODIES
#include "vitals/config/interpolation.ipp"
#endif
