# Shortcuts; the scripts do the work (see README).
.PHONY: demo test bench lint
demo:
	./scripts/demo.sh
test:
	./scripts/test.sh
bench:
	.venv/bin/python scripts/bench_blocklists.py
lint:
	.venv/bin/ruff check preflight tests
