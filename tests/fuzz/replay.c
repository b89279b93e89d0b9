/*
 * The corpora replayed without libFuzzer, by make check: this main()
 * feeds each file named to a harness's LLVMFuzzerTestOneInput(), so the
 * replay builds with the compiler the rest of the tree uses (gcc) and
 * needs no clang; make fuzz links the same harness with libFuzzer.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
main(int argc, char *argv[])
{
	static uint8_t buf[1 << 20];
	size_t len;
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL)
			err(1, "%s", argv[i]);
		len = fread(buf, 1, sizeof(buf), f);
		if (ferror(f))
			err(1, "%s", argv[i]);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%s: %d inputs\n", argv[0], argc - 1);
	return (0);
}
