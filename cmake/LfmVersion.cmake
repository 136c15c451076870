# Writes the git commit (and a dirty flag) into a generated header at every build, so
# `lfmbench --version` and every stored result name the exact source they came from.
set(LFM_VERSION_HEADER ${CMAKE_BINARY_DIR}/generated/lfm_build_info.h)
add_custom_target(lfm_build_info
  COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${LFM_VERSION_HEADER}
          -DVERSION=${PROJECT_VERSION} -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
          "-DCOMPILER=${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}"
          -P ${CMAKE_SOURCE_DIR}/cmake/WriteBuildInfo.cmake
  BYPRODUCTS ${LFM_VERSION_HEADER}
  COMMENT "Recording git commit"
  VERBATIM)
