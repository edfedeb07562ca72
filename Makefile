# Thin wrappers around ./dev (which needs only Python 3.11, 3.12 or 3.13).
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
	./dev cli migrate
