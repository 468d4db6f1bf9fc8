#!/usr/bin/python3
"""Solve the problems ResolverBenchmark writes, with libsolv (Debian's python3-solv).

File format, one record per line, tab-separated:
  P <name> <version>      a product entry (later R/C lines belong to it)
  R <dependency>          a requirement: `name`, `name >= 1.0`, or a rich dependency `( ... )`
  C <dependency>          a conflict (paddock's incompatibility)
  Q <name> <name>...      one request (a batch of names to install together)

Prints `SETUP <seconds>`, `TIME <seconds>` (solving only, best of three batches) and `RESULTS <0/1 per request>`.
"""
import sys
import time

try:
    import solv
except ImportError:
    print("ERROR python3-solv is not installed (apt-get install -y python3-solv)")
    sys.exit(2)

OPS = {">=": solv.REL_GT | solv.REL_EQ, "<=": solv.REL_LT | solv.REL_EQ, ">": solv.REL_GT, "<": solv.REL_LT, "==": solv.REL_EQ}


def main(path):
    started = time.perf_counter()
    pool = solv.Pool()
    pool.setarch("x86_64")
    repo = pool.add_repo("feed")
    requests = []
    current = None

    def dependency(text):
        if text.startswith("("):
            return pool.parserpmrichdep(text)
        parts = text.split(" ")
        dep = pool.Dep(parts[0])
        if len(parts) == 3:
            dep = dep.Rel(OPS[parts[1]], pool.Dep(parts[2]))
        return dep

    with open(path) as lines:
        for line in lines:
            kind, _, rest = line.rstrip("\n").partition("\t")
            if kind == "P":
                name, version = rest.split("\t")
                current = repo.add_solvable()
                current.name, current.evr, current.arch = name, version, "x86_64"
                current.add_deparray(solv.SOLVABLE_PROVIDES, pool.Dep(name).Rel(solv.REL_EQ, pool.Dep(version)))
            elif kind == "R":
                current.add_deparray(solv.SOLVABLE_REQUIRES, dependency(rest))
            elif kind == "C":
                current.add_deparray(solv.SOLVABLE_CONFLICTS, dependency(rest))
            elif kind == "Q":
                requests.append(rest.split(" "))
    repo.internalize()
    pool.createwhatprovides()
    setup = time.perf_counter() - started

    # Best of three runs of the batch, as the Swift side does, to damp noise from other work.
    elapsed = None
    for _ in range(3):
        results, seconds = solve_batch(pool, requests)
        elapsed = seconds if elapsed is None else min(elapsed, seconds)
    print(f"SETUP {setup:.6f}")
    print(f"TIME {elapsed:.6f}")
    print("RESULTS " + "".join(results))


def solve_batch(pool, requests):
    results = []
    started = time.perf_counter()
    # A fresh solver per request: measured faster than reusing one across the batch (a reused
    # solver keeps growing state), so the comparison is against libsolv's better mode.
    for names in requests:
        jobs = [pool.Job(solv.Job.SOLVER_INSTALL | solv.Job.SOLVER_SOLVABLE_NAME, pool.str2id(name)) for name in names]
        solver = pool.Solver()
        problems = solver.solve(jobs)
        results.append("0" if problems else "1")
    return results, time.perf_counter() - started


if __name__ == "__main__":
    main(sys.argv[1])
