# Thin wrappers around ./dev (which needs only python3.11).
.PHONY: run test lint bench migrate
run:
	./dev run
test:
	./dev test
lint:
	./dev lint
bench:
	./dev bench
migrate:
	.venv/bin/sdmx-server migrate
