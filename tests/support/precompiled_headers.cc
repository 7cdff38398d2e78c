// The one file of brisk_test_precompiled (tests/CMakeLists.txt): the target that compiles the
// precompiled header every test executable reuses. It has no code of its own.
