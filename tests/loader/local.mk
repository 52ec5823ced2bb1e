# tests/loader/
