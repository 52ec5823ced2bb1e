# tests/ops/
