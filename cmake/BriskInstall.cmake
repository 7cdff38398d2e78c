# `cmake --install build --prefix DIR`: the executables, Brisk's shared libraries, the public
# headers and a CMake package (find_package(Brisk) gives Brisk::client and Brisk::op). The tree is
# relocatable: executables find the libraries at $ORIGIN/../<libdir>, libraries each other at
# $ORIGIN, and the package config locates everything relative to itself.
include(CMakePackageConfigHelpers)

set(BRISK_LIBRARIES brisk_proto brisk_op brisk_common brisk_scheduler brisk_worker brisk_client)
set(BRISK_EXECUTABLES brisk brisk-scheduler brisk-worker)

set_target_properties(brisk_proto PROPERTIES EXPORT_NAME proto)
set_target_properties(brisk_op PROPERTIES EXPORT_NAME op)
set_target_properties(brisk_common PROPERTIES EXPORT_NAME common)
set_target_properties(brisk_scheduler PROPERTIES EXPORT_NAME scheduler)
set_target_properties(brisk_worker PROPERTIES EXPORT_NAME worker)
set_target_properties(brisk_client PROPERTIES EXPORT_NAME client)
set_target_properties(${BRISK_LIBRARIES} PROPERTIES INSTALL_RPATH "$ORIGIN")
set_target_properties(${BRISK_EXECUTABLES} PROPERTIES
                      INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")

install(TARGETS ${BRISK_LIBRARIES} EXPORT BriskTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${BRISK_EXECUTABLES} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(BRISK_SANITIZE STREQUAL "thread")
  # Every TSan-built library needs it (see tests/tsan/CMakeLists.txt).
  set_target_properties(brisk_absl_sync_tsan PROPERTIES INSTALL_RPATH "$ORIGIN")
  install(TARGETS brisk_absl_sync_tsan EXPORT BriskTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

install(FILES
  ${PROJECT_SOURCE_DIR}/common/include/brisk/npy.h
  ${PROJECT_SOURCE_DIR}/common/include/brisk/op.h
  ${PROJECT_SOURCE_DIR}/common/include/brisk/value.h
  ${PROJECT_SOURCE_DIR}/client/include/brisk/client.h
  ${PROJECT_SOURCE_DIR}/client/include/brisk/delayed.h
  ${PROJECT_SOURCE_DIR}/worker/include/brisk/worker_main.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/brisk)
install(FILES ${BRISK_PUBLIC_PROTO_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/brisk/v1)

set(BRISK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Brisk)
install(EXPORT BriskTargets NAMESPACE Brisk:: DESTINATION ${BRISK_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/BriskConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/BriskConfig.cmake
                              INSTALL_DESTINATION ${BRISK_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/BriskConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/BriskConfig.cmake ${PROJECT_BINARY_DIR}/BriskConfigVersion.cmake
        DESTINATION ${BRISK_CMAKE_DIR})
