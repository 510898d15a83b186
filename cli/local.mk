# The anisocl command-line program (included by the top-level Makefile.am).
bin_PROGRAMS += anisocl
anisocl_SOURCES = \
	cli/cli.h \
	cli/main.c \
	cli/npy.h \
	cli/npy.c \
	cli/byte_order.h \
	cli/byte_order.c \
	cli/npy_convert.h \
	cli/npy_convert.c \
	cli/atomic_file.h \
	cli/atomic_file.c \
	cli/npy_file.h \
	cli/npy_file.c \
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
	cli/cmd_sum.c \
	cli/cmd_heatmap.c \
	cli/cmd_demo.c
anisocl_CFLAGS = $(AM_CFLAGS) $(CAIRO_CFLAGS)
anisocl_LDADD = lib/libanisocl.la $(CAIRO_LIBS) -lm
