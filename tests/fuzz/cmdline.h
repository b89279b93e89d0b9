/*
 * Command lines made of fuzzer input, for the harnesses of vknetd's and
 * vknet's options (cmdline.c): the input, cut at each NUL, becomes the
 * arguments after argv[0], and a parser that ends the program instead
 * of returning is caught on its way out.
 */
#ifndef FUZZ_CMDLINE_H
#define FUZZ_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAXARGS	64
#define CMDLINE_RETURNED (-1)

struct cmdline {
	char	*copy;		/* the input and a NUL: the arguments */
	size_t	 len;
	int	 argc;
	char	*argv[CMDLINE_MAXARGS + 2];
};

/*
 * parse(argc, argv, arg) on a fresh vector: CMDLINE_RETURNED, or the
 * status it called exit() with.  Free cl with cmdline_free().
 */
int	cmdline_run(struct cmdline *cl, const char *argv0, const uint8_t *in,
	    size_t len, void (*parse)(int, char **, void *), void *arg);
int	cmdline_has(const struct cmdline *cl, const char *p);
void	cmdline_free(struct cmdline *cl);

#endif
