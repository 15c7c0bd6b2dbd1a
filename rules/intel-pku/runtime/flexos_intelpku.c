/*
 * intel-pku runtime: key allocation, memory tagging, PKRU values and the stack-switching
 * trampoline. Runs in the main process (intel-pku compartments never get a process of their
 * own; in a mixed deployment they share the main process with the default compartment).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <flexos/isolation.h>
#include <flexos/internal.h>

int flexos_intelpku_active;

/* PKRU: two bits per key, AD (access disable) at 2k, WD (write disable) at 2k+1. */
static uint32_t pkru_allowing(int key)
{
	uint32_t pkru = ~(uint32_t)3; /* key 0 allowed, everything else denied */
	if (key > 0)
		pkru &= ~((uint32_t)3 << (2 * key));
	return pkru;
}

void flexos_intelpku_require(void)
{
	int key = pkey_alloc(0, 0);
	if (key < 0) {
		int err = errno;
		fflush(stdout);
		fprintf(stderr,
			"flexos: intel-pku: this CPU or kernel has no memory protection keys "
			"(pkey_alloc: %s); exiting with status 77\n",
			strerror(err));
		_exit(77);
	}
	pkey_free(key);
}

static void tag(char *lo, char *hi, int key, int c, const char *what)
{
	if (hi > lo && pkey_mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_WRITE, key) != 0)
		flexos_rt_die("intel-pku: pkey_mprotect(%s of compartment %d): %s", what, c,
			      strerror(errno));
}

void flexos_intelpku_setup(void)
{
	flexos_rt_boot.pkru = flexos_rdpkru();
	for (int c = 0; c < FLEXOS_NUM_COMPARTMENTS; c++) {
		const struct flexos_compartment *k = &flexos_compartments[c];
		if (flexos_comp_rt[c].host != flexos_rt_my_host)
			continue;
		int key = 0;
		if (k->mech == FLEXOS_MECH_INTELPKU) {
			key = pkey_alloc(0, 0);
			if (key < 0)
				flexos_rt_die("intel-pku: pkey_alloc for compartment %d (%s): %s", c,
					      k->name, strerror(errno));
			tag(k->data_start, k->data_end, key, c, "data");
			tag(k->bss_start, k->bss_end, key, c, "bss");
#ifndef FLEXOS_SHARING_SHARED_STACK
			tag(flexos_comp_rt[c].stack_lo, flexos_comp_rt[c].stack_hi, key, c, "stack");
#endif
		}
		flexos_comp_rt[c].pkru = pkru_allowing(key);
	}
	flexos_intelpku_active = 1;
}

uint64_t flexos_intelpku_call(int from, int to, uint64_t id, uint64_t a1, uint64_t a2,
			      uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	uint64_t a[6] = { a1, a2, a3, a4, a5, a6 };
	uint64_t fn = flexos_rt_entry(from, to, id, a);
	if (!flexos_intelpku_active || from == to)
		return ((flexos_fn6_t)fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
	return flexos_intelpku_trampoline(a[0], a[1], a[2], a[3], a[4], a[5], fn,
					  &flexos_comp_rt[from], &flexos_comp_rt[to]);
}

uint64_t flexos_intelpku_relay(int from, int to, uint64_t id, uint64_t a1, uint64_t a2,
			       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	uint64_t a[6] = { a1, a2, a3, a4, a5, a6 };
	uint64_t fn = flexos_rt_entry(from, to, id, a);
	/* back to whoever waits in this process (the stack we are on), not to `from`: it runs
	 * in another process */
	return flexos_intelpku_trampoline(a[0], a[1], a[2], a[3], a[4], a[5], fn,
					  flexos_rt_cur_stack, &flexos_comp_rt[to]);
}

/*
 * flexos_intelpku_trampoline(a1..a6 in rdi rsi rdx rcx r8 r9; fn, from, to on the stack)
 * Between the first wrpkru and the return of fn nothing touches the caller's stack; the saved
 * stack pointer and the tables live in key-0 runtime memory. wrpkru needs ecx = edx = 0, so
 * arguments 3 and 4 wait in r14/r15.
 */
__asm__(".text\n"
	".globl flexos_intelpku_trampoline\n"
	".type flexos_intelpku_trampoline,@function\n"
	"flexos_intelpku_trampoline:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	sub $8, %rsp\n"              /* rsp is now 16-byte aligned */
	"	mov 64(%rsp), %r11\n"        /* fn */
	"	mov 72(%rsp), %rbx\n"        /* from */
	"	mov 80(%rsp), %r12\n"        /* to */
	"	mov flexos_rt_cur_stack(%rip), %rbp\n"
	"	mov 8(%rbp), %r13\n"
	"	mov %rsp, 8(%rbp)\n"
	"	mov %r12, flexos_rt_cur_stack(%rip)\n"
	"	mov %rdx, %r14\n"
	"	mov %rcx, %r15\n"
	"	mov (%r12), %eax\n"
	"	mov 8(%r12), %rsp\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	wrpkru\n"
	"	mov %r14, %rdx\n"
	"	mov %r15, %rcx\n"
	"	call *%r11\n"
	"	mov %rax, %r14\n"
	"	mov (%rbx), %eax\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	wrpkru\n"
	"	mov 8(%rbp), %rsp\n"
	"	mov %r13, 8(%rbp)\n"
	"	mov %rbp, flexos_rt_cur_stack(%rip)\n"
	"	mov %r14, %rax\n"
	"	add $8, %rsp\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size flexos_intelpku_trampoline, .-flexos_intelpku_trampoline\n");
