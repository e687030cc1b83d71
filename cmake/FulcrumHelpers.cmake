# fulcrum_add_lib(name DEPS ...): libs/<name>/src/*.cpp + public include/ → target fulcrum_<name>.
function(fulcrum_add_lib name)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  add_library(fulcrum_${name} STATIC ${sources})
  target_include_directories(fulcrum_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(fulcrum_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  add_library(fulcrum::${name} ALIAS fulcrum_${name})
endfunction()

# fulcrum_add_test(name SOURCES ... DEPS ... [LABELS ...])
function(fulcrum_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    FULCRUM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FULCRUM_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data")
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
