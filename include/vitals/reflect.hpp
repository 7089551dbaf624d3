// Reflection over aggregates and enums: field names, field visiting, enum names, type names.
#pragma once

#include "vitals/reflect/enum_names.hpp"
#include "vitals/reflect/field_count.hpp"
#include "vitals/reflect/field_names.hpp"
#include "vitals/reflect/for_each_field.hpp"
#include "vitals/reflect/type_name.hpp"
