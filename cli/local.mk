# The anisocl command-line program (included by the top-level Makefile.am).

# The .npy reader and writer on their own, for the program, its tests and
# a fuzzer: no OpenCL and no cairo in here.
noinst_LTLIBRARIES += cli/libnpy.la
cli_libnpy_la_SOURCES = \
	cli/npy.h \
	cli/npy.c \
	cli/byte_order.h \
	cli/byte_order.c \
	cli/npy_convert.h \
	cli/npy_convert.c \
	cli/atomic_file.h \
	cli/atomic_file.c \
	cli/npy_file.h \
	cli/npy_file.c

bin_PROGRAMS += anisocl
anisocl_SOURCES = \
	cli/cli.h \
	cli/main.c \
	cli/options.h \
	cli/options.c \
	cli/inputs.h \
	cli/inputs.c \
	cli/shapes.h \
	cli/shapes.c \
	cli/context.h \
	cli/context.c \
	cli/colormap.h \
	cli/colormap.c \
	cli/grid.h \
	cli/grid.c \
	cli/figure_layout.h \
	cli/figure_layout.c \
	cli/figure.h \
	cli/figure.c \
	cli/tutorial.h \
	cli/tutorial.c \
	cli/cmd_devices.c \
	cli/cmd_grad.c \
	cli/sum_options.h \
	cli/sum_options.c \
	cli/cmd_sum.c \
	cli/cmd_solve.c \
	cli/cmd_heatmap.c \
	cli/cmd_demo.c
anisocl_CFLAGS = $(AM_CFLAGS) $(CAIRO_CFLAGS)
anisocl_LDADD = cli/libnpy.la lib/libanisocl.la $(CAIRO_LIBS) -lm

# ---- tests of the program --------------------------------------------------
check_PROGRAMS += tests/test_npy
tests_test_npy_SOURCES = tests/test_npy.c
tests_test_npy_LDADD = cli/libnpy.la tests/libtesthelp.la -lm

check_PROGRAMS += tests/test_cli_sum
tests_test_cli_sum_SOURCES = tests/test_cli_sum.c
tests_test_cli_sum_LDADD = cli/libnpy.la tests/libtesthelp.la lib/libanisocl.la -lm

check_PROGRAMS += tests/test_cli_demo
tests_test_cli_demo_SOURCES = tests/test_cli_demo.c cli/figure_layout.c
tests_test_cli_demo_CFLAGS = $(AM_CFLAGS) $(CAIRO_CFLAGS)
tests_test_cli_demo_LDADD = cli/libnpy.la tests/libtesthelp.la lib/libanisocl.la $(CAIRO_LIBS) -lm

# tests/test_cli.sh: error paths, exit codes and untouched outputs, with
# printf-made inputs.  (The run order of every test: Makefile.am.)
EXTRA_DIST += tests/test_cli.sh
