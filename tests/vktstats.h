/*
 * Reading "vknetd -s" as a script would: by the name of a column and
 * the first cell of a row, never by position, so that tests keep
 * working when columns are added.  See vktstats.c.  And the whole of
 * a file, for output too long for struct vkt_run.
 */
#ifndef VKTSTATS_H
#define VKTSTATS_H

#include <stddef.h>

int	vkt_cell(const char *text, const char *row, const char *column,
	    char *buf, size_t len);
int	vkt_header(const char *text, const char *key, char *buf, size_t len);
unsigned long long vkt_cell_num(const char *text, const char *row,
	    const char *column);
char	*vkt_slurp(const char *path);

#endif
