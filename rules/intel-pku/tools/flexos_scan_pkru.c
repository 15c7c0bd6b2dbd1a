/*
 * flexos_scan_pkru BINARY [--allow SYMBOL]...: the build-time check of the intel-pku mechanism.
 * A compartment that finds the bytes of a `wrpkru` (0F 01 EF), `xrstor` (0F AE /5, memory form)
 * or `xrstors` (0F C7 /3, memory form) anywhere in executable memory can jump onto them and set
 * PKRU to what it likes; only the runtime's gates may contain them, since each of their wrpkru is
 * followed by a check of the PKRU it wrote (ERIM's rule). The scan covers every executable
 * PT_LOAD segment byte by byte, so sequences that straddle instructions or hide inside
 * immediates are found too. Allowed: the functions flexos_intelpku_trampoline and
 * flexos_intelpku_enter_main, plus the symbols named with --allow (see rules/common/README.md:
 * glibc's lazy-binding trampolines in static binaries). Exit status: 0 clean, 1 findings (one
 * line each, with the enclosing symbol), 2 unreadable input.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *image;
static size_t image_size;
static const Elf64_Sym *syms;
static size_t nsyms;
static const char *strtab;

static const char *symbol_at(uint64_t addr, uint64_t *start, uint64_t *size)
{
	const char *best = NULL;
	for (size_t i = 0; i < nsyms; i++) {
		const Elf64_Sym *s = &syms[i];
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_value > addr)
			continue;
		if (addr < s->st_value + (s->st_size ? s->st_size : 1)) {
			best = strtab + s->st_name;
			*start = s->st_value;
			*size = s->st_size;
		}
	}
	return best;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: flexos_scan_pkru BINARY [--allow SYMBOL]...\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	fseek(f, 0, SEEK_END);
	image_size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	image = malloc(image_size);
	if (!image || fread(image, 1, image_size, f) != image_size) {
		fprintf(stderr, "%s: cannot read\n", argv[1]);
		return 2;
	}
	fclose(f);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;
	if (image_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64) {
		fprintf(stderr, "%s: not a 64-bit ELF file\n", argv[1]);
		return 2;
	}
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(image + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB) {
			syms = (const Elf64_Sym *)(image + sh[i].sh_offset);
			nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
			strtab = (const char *)(image + sh[sh[i].sh_link].sh_offset);
		}
	if (!syms) {
		fprintf(stderr, "%s: no symbol table (do not strip before the scan)\n", argv[1]);
		return 2;
	}
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(image + eh->e_phoff);
	int findings = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X))
			continue;
		const unsigned char *b = image + ph[i].p_offset;
		for (uint64_t k = 0; k + 2 < ph[i].p_filesz; k++) {
			const char *what = NULL;
			unsigned char m = b[k + 2];
			if (b[k] == 0x0f && b[k + 1] == 0x01 && m == 0xef)
				what = "wrpkru";
			else if (b[k] == 0x0f && b[k + 1] == 0xae && (m & 0xc0) != 0xc0 && (m & 0x38) == 0x28)
				what = "xrstor";
			else if (b[k] == 0x0f && b[k + 1] == 0xc7 && (m & 0xc0) != 0xc0 && (m & 0x38) == 0x18)
				what = "xrstors";
			if (!what)
				continue;
			uint64_t addr = ph[i].p_vaddr + k, start = 0, size = 0;
			const char *sym = symbol_at(addr, &start, &size);
			int allowed = sym && (!strcmp(sym, "flexos_intelpku_trampoline") ||
					      !strcmp(sym, "flexos_intelpku_enter_main"));
			for (int a = 2; sym && !allowed && a + 1 < argc; a += 2)
				allowed = !strcmp(argv[a], "--allow") && !strcmp(argv[a + 1], sym);
			if (allowed)
				continue;
			printf("%s: %s bytes at %#llx (%s+%#llx) outside the intel-pku gates: a compartment "
			       "could jump there and set PKRU; remove it\n",
			       argv[1], what, (unsigned long long)addr, sym ? sym : "no symbol",
			       (unsigned long long)(addr - start));
			findings++;
		}
	}
	return findings ? 1 : 0;
}
