#include "config.h"
#include "cli.h"
int cli_demo(int argc, char **argv) { return CLI_USAGE; }
