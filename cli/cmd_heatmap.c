#include "config.h"
#include "cli.h"
int cli_heatmap(int argc, char **argv) { return CLI_USAGE; }
