# tests/ops/engine.mk: tests of graph import, plans, execution and models.
