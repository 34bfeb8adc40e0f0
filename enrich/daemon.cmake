# enrich/daemon.cmake: the attache-enrich daemon (loop library attache_enrichd
# over the attache_enrich engine, plus a thin main). Included from
# enrich/CMakeLists.txt.
add_library(attache_enrichd STATIC ${CMAKE_CURRENT_SOURCE_DIR}/daemon/at_enrichd.c
                                   ${CMAKE_CURRENT_SOURCE_DIR}/daemon/at_databuild.c)
target_include_directories(attache_enrichd PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/daemon)
target_link_libraries(attache_enrichd PUBLIC attache_enrich attache_common)

add_executable(attache-enrich ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
target_link_libraries(attache-enrich PRIVATE attache_enrichd)
install(TARGETS attache-enrich RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

if(ATTACHE_BUILD_TESTS)
  attache_unit_test(test_at_enrichd ${CMAKE_CURRENT_SOURCE_DIR}/daemon/tests/test_at_enrichd.c
                    LIBS attache_enrichd)
  attache_unit_test(test_at_databuild
                    ${CMAKE_CURRENT_SOURCE_DIR}/daemon/tests/test_at_databuild.c
                    LIBS attache_enrichd)
endif()
