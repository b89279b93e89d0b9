/*
 * The text of "vknetd -s" is a header block of "key value" lines, then
 * tables separated by blank lines, each beginning with a row of column
 * names; every cell is one word.  vkt_cell() finds the first table that
 * has both the column and a row whose first cell is the one asked for.
 */
#include <atf-c.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vktstats.h"

#define MAXCELLS	64

/* The words of the line at text, into w[]; the next line's start. */
static const char *
words(const char *text, char *line, size_t size, char *w[], int *n)
{
	const char *end = text + strcspn(text, "\n");
	size_t len = (size_t)(end - text);
	char *save, *t;

	if (len >= size)
		len = size - 1;
	memcpy(line, text, len);
	line[len] = '\0';
	*n = 0;
	for (t = strtok_r(line, " ", &save); t != NULL && *n < MAXCELLS;
	    t = strtok_r(NULL, " ", &save))
		w[(*n)++] = t;
	return (*end != '\0' ? end + 1 : end);
}

int
vkt_cell(const char *text, const char *row, const char *column, char *buf,
    size_t len)
{
	char head[1024], line[1024], *hw[MAXCELLS], *w[MAXCELLS];
	const char *p = text;
	int nh, n, col, i, blank = 0;

	/* Skip the header block. */
	while (*p != '\0') {
		p = words(p, line, sizeof(line), w, &n);
		if (n == 0)
			break;
	}
	while (*p != '\0') {
		p = words(p, head, sizeof(head), hw, &nh);
		col = -1;
		for (i = 0; i < nh; i++)
			if (strcmp(hw[i], column) == 0)
				col = i;
		blank = 0;
		while (*p != '\0' && !blank) {
			p = words(p, line, sizeof(line), w, &n);
			blank = n == 0;
			if (col == -1 || n == 0 || strcmp(w[0], row) != 0)
				continue;
			if (col >= n)
				atf_tc_fail("row %s has no cell for %s:\n%s",
				    row, column, text);
			snprintf(buf, len, "%s", w[col]);
			return (0);
		}
	}
	return (-1);
}

unsigned long long
vkt_cell_num(const char *text, const char *row, const char *column)
{
	char buf[64], *end;
	unsigned long long n;

	if (vkt_cell(text, row, column, buf, sizeof(buf)) == -1)
		atf_tc_fail("vknetd -s: no %s in a row %s:\n%s", column, row,
		    text);
	n = strtoull(buf, &end, 10);
	if (*end != '\0')
		atf_tc_fail("vknetd -s: %s of row %s is \"%s\", not a "
		    "number:\n%s", column, row, buf, text);
	return (n);
}

/* The rest of the header block's line that begins with key. */
int
vkt_header(const char *text, const char *key, char *buf, size_t len)
{
	const char *p, *end;
	size_t klen = strlen(key), n;

	for (p = text; *p != '\0' && *p != '\n'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "\n");
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 &&
		    p[klen] == ' ') {
			p += klen + strspn(p + klen, " ");
			n = (size_t)(end - p);
			if (n >= len)
				n = len - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return (0);
		}
	}
	return (-1);
}

/* A whole file, NUL-terminated, to be freed; "" if it is missing. */
char *
vkt_slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp, *mem;
	int c;

	if ((mem = open_memstream(&buf, &len)) == NULL)
		atf_tc_fail("open_memstream: %s", strerror(errno));
	if ((fp = fopen(path, "re")) != NULL) {
		while ((c = getc(fp)) != EOF)
			putc(c, mem);
		fclose(fp);
	}
	fclose(mem);
	return (buf);
}
