# The benchmark: built by `make`, never run by `make check` (it takes
# minutes and its numbers depend on the machine).  See bench/README.md.
noinst_PROGRAMS += bench/bench_anisocl
bench_bench_anisocl_SOURCES = \
	bench/bench_anisocl.c \
	bench/bench_util.h \
	bench/bench_util.c \
	bench/baseline_omp.h
bench_bench_anisocl_CFLAGS = $(AM_CFLAGS) $(OPENMP_CFLAGS) -pthread
bench_bench_anisocl_LDADD = bench/baseline_omp.$(OBJEXT) lib/libanisocl.la -lm
bench_bench_anisocl_LDFLAGS = $(AM_LDFLAGS) $(OPENMP_CFLAGS) -pthread
EXTRA_bench_bench_anisocl_DEPENDENCIES = bench/baseline_omp.$(OBJEXT)

# The plain-C baseline has its own rule because its flags must come after
# the user's CFLAGS: with per-target _CFLAGS, Automake puts $(CFLAGS) (by
# default -g -O2) last, and -O2 would then undo the -O3 we promise.
# -ffast-math is what lets GCC use libmvec's vector exp and reassociate
# the sum over j into vector lanes; -march=native makes it AVX2 here.
BASELINE_OMP_FLAGS = -O3 -march=native -ffast-math $(OPENMP_CFLAGS)
bench/baseline_omp.$(OBJEXT): $(srcdir)/bench/baseline_omp.c \
		$(srcdir)/bench/baseline_omp.h $(srcdir)/bench/baseline_omp_tmpl.h \
		$(srcdir)/include/anisocl.h config.h
	$(AM_V_CC)$(MKDIR_P) bench && \
	$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) $(AM_CFLAGS) \
		$(CFLAGS) $(BASELINE_OMP_FLAGS) \
		-DBASELINE_OMP_FLAGS='"$(BASELINE_OMP_FLAGS)"' \
		-c -o $@ $(srcdir)/bench/baseline_omp.c
CLEANFILES += bench/baseline_omp.$(OBJEXT)

EXTRA_DIST += \
	bench/baseline_omp.c \
	bench/baseline_omp_tmpl.h \
	bench/README.md \
	bench/run.sh \
	bench/keops_bench.py \
	bench/report.py
