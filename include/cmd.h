/* cmd.h — the subcommands of the command line; each returns the process exit code
 * (0 success, 1 runtime failure, 2 usage or configuration error). argv[0] is the
 * command's own name. */
#ifndef FEEDWATCHD_CMD_H
#define FEEDWATCHD_CMD_H

int cmd_parse(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_outbox(int argc, char **argv);
int cmd_opml(int argc, char **argv);

#endif
