# `make bench` reproduces every table in docs/BENCHMARKS.md (slow: see eval/bench_all.sh).
.PHONY: bench
bench:
	bash eval/bench_all.sh
