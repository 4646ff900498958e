/* main.c — the command line: picks a command, sets up logging, runs it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>

#include "cmd.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"

static void usage(FILE *out);
static int cmd_run(int argc, char **argv, bool once);

/* `run` and `once`: the daemon in the foreground. */
static int
cmd_run(int argc, char **argv, bool once)
{
	const char *path = NULL;
	int verbosity = LOG_NORMAL, c;

	optind = 1;
	while ((c = getopt(argc, argv, "c:vq")) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'v': verbosity = LOG_VERBOSE; break;
		case 'q': verbosity = LOG_QUIET; break;
		default:
			fprintf(stderr, "usage: feedwatchd %s [-c FILE] [-v|-q]\n", once ? "once" : "run");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: feedwatchd %s [-c FILE] [-v|-q]\n", once ? "once" : "run");
		return 2;
	}
	log_set_verbosity(verbosity);
	return daemon_run(conf_default_path(path), once);
}

static void
usage(FILE *out)
{
	fputs("usage:\n"
	    "  feedwatchd [run] [-c FILE] [-v|-q]      run the daemon in the foreground\n"
	    "  feedwatchd once  [-c FILE]              poll every feed once, deliver, exit\n"
	    "  feedwatchd check [-c FILE]              validate the configuration\n"
	    "  feedwatchd parse [--base URL] [--charset NAME] FILE|URL|-\n"
	    "                                          print one feed as JSON\n"
	    "  feedwatchd test  [-c FILE] [-w NAME] [--json] FILE|URL|-\n"
	    "                                          show which items match which watchlists\n"
	    "  feedwatchd outbox [-c FILE] list|retry ID|retry --all-dead|purge --dead\n"
	    "  feedwatchd import-opml FILE             print [feed] sections from OPML\n"
	    "  feedwatchd --version | --help\n", out);
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "run";

	log_init("feedwatchd", LOG_NORMAL);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("feedwatchd %s\n", FEEDWATCHD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "parse") == 0)
		return cmd_parse(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "test") == 0)
		return cmd_test(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1, false);
	if (strcmp(cmd, "once") == 0)
		return cmd_run(argc - 1, argv + 1, true);
	if (cmd[0] == '-')	/* `feedwatchd -c FILE` means `feedwatchd run -c FILE` */
		return cmd_run(argc, argv, false);
	if (strcmp(cmd, "outbox") == 0)
		return cmd_outbox(argc - 1, argv + 1);
	if (strcmp(cmd, "import-opml") == 0)
		return cmd_opml(argc - 1, argv + 1);
	log_errorx("unknown command '%s'", cmd);
	usage(stderr);
	return 2;
}
