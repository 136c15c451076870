# Script mode: embeds schema.sql and migrations/NNNN_*.sql into a C++ header, so the binary
# carries the single source of truth. Checks that migrations are numbered 0002..N without gaps
# and that N is schema.sql's user_version.
#   cmake -DSCHEMA=schema.sql -DMIGRATIONS_DIR=migrations -DOUT=results_schema.h -P embed_schema.cmake
file(READ ${SCHEMA} schema)
string(REGEX MATCH "PRAGMA user_version = ([0-9]+);" _ "${schema}")
if(NOT CMAKE_MATCH_1)
  message(FATAL_ERROR "${SCHEMA}: no 'PRAGMA user_version = N;' line")
endif()
set(version ${CMAKE_MATCH_1})
set(delim "lfm_sql")
if(schema MATCHES "\\)${delim}\"")
  message(FATAL_ERROR "${SCHEMA} contains the raw-string delimiter )${delim}\"")
endif()
string(CONCAT text "// Generated from results/schema.sql and results/migrations by results/embed_schema.cmake;\n"
       "// do not edit.\n#pragma once\n\nnamespace lfm::results::internal {\n\n"
       "inline constexpr int kSchemaVersion = ${version};\n"
       "inline constexpr const char* kSchemaSql = R\"${delim}(${schema})${delim}\";\n\n"
       "struct Migration {\n  int to_version;\n  const char* name;\n  const char* sql;\n};\n"
       "inline constexpr Migration kMigrations[] = {\n")
file(GLOB migrations RELATIVE ${MIGRATIONS_DIR} ${MIGRATIONS_DIR}/*.sql)
list(SORT migrations)
set(expected 2)
foreach(name IN LISTS migrations)
  string(REGEX MATCH "^([0-9][0-9][0-9][0-9])_[a-z0-9_]+\\.sql$" _ "${name}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "${MIGRATIONS_DIR}/${name}: migrations are named NNNN_lowercase_words.sql")
  endif()
  math(EXPR number "${CMAKE_MATCH_1}")
  if(NOT number EQUAL expected)
    message(FATAL_ERROR "${MIGRATIONS_DIR}/${name}: expected migration number ${expected}")
  endif()
  file(READ ${MIGRATIONS_DIR}/${name} sql)
  string(APPEND text "    {${number}, \"${name}\", R\"${delim}(${sql})${delim}\"},\n")
  math(EXPR expected "${expected} + 1")
endforeach()
math(EXPR last "${expected} - 1")
if(NOT last EQUAL version)
  message(FATAL_ERROR "${SCHEMA} is version ${version} but the migrations end at version ${last}")
endif()
string(APPEND text "};\n\n}  // namespace lfm::results::internal\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
