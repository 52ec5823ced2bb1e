# tests/server/
