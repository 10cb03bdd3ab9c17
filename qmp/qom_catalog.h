// SPDX-License-Identifier: MulanPSL-2.0
//
// QomCatalog: the QOM types this build accepts, with the properties it parses, for
// qom-list-types, device-list-properties and qom-list-properties.
//
// Every type is a -device driver or -object type that src/config/ parses, and every
// property listed is one that parser reads (tests/unit/qmp/qom_catalog_test.cpp feeds each
// one to the config parser and fails when it is unknown there). libvirt turns these
// answers into capabilities, so nothing is listed that the command line would refuse.
// Constant data; any thread. Failure: lookups return nullptr.
#pragma once

#include <span>
#include <string_view>

namespace stratovirt::qmp {

struct QomProperty {
  std::string_view name;
  std::string_view type;  // QOM property type: "str", "bool", "uint32", "size", ...
};

enum class QomKind { kDevice, kObject };

struct QomType {
  std::string_view name;
  std::string_view parent;
  QomKind kind;
  std::span<const QomProperty> properties;
};

std::span<const QomType> qom_types();
const QomType* find_qom_type(std::string_view name);

}  // namespace stratovirt::qmp
