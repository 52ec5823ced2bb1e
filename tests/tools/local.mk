# tests/tools/
