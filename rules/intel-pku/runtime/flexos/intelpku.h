/*
 * flexos/intelpku.h — the intel-pku mechanism on Linux protection keys.
 *
 * Every intel-pku compartment gets a key (pkey_alloc) that tags its .data_comp<N>,
 * .bss_comp<N> and, unless stacks are shared, its private stack. Everything else (libc, the
 * runtime, .data_shared, the shared heap, DSS shadows) keeps key 0. While compartment N runs,
 * PKRU allows key 0 and N's key only (other compartments of the process: key 0 only).
 *
 *   flexos_intelpku_gate(from, to, f, a…)          f(a…) in compartment `to`, result dropped
 *   flexos_intelpku_gate_r(from, to, ret, f, a…)   ret = f(a…) in compartment `to` (a statement)
 *
 * Shared-stack strategy: the gate is inline — wrpkru(to), call, wrpkru(from). Otherwise (DSS,
 * heap) it goes through flexos_intelpku_trampoline, which also moves onto the callee's private
 * stack and back. Arguments are evaluated before the switch. See rules/common/README.md.
 */
#ifndef FLEXOS_INTELPKU_H
#define FLEXOS_INTELPKU_H

#include <stdint.h>

#define FLEXOS_HAVE_INTELPKU 1

static inline __attribute__((always_inline)) uint32_t flexos_rdpkru(void)
{
	uint32_t eax, edx;
	__asm__ volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	(void)edx;
	return eax;
}

static inline __attribute__((always_inline)) void flexos_wrpkru(uint32_t pkru)
{
	__asm__ volatile("wrpkru" : : "a"(pkru), "c"(0), "d"(0) : "memory");
}

/* a1..a6 in registers, then fn, from and to: switches stack (to->sp) and PKRU (to->pkru), calls
 * fn, restores from->pkru and the stack. */
uint64_t flexos_intelpku_trampoline(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
				    uint64_t a5, uint64_t a6, uint64_t fn,
				    struct flexos_comp_rt *from, struct flexos_comp_rt *to);

#if defined(FLEXOS_SHARING_SHARED_STACK)
static inline __attribute__((always_inline)) uint64_t
flexos_intelpku_inline_call(int from, int to, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3,
			    uint64_t a4, uint64_t a5, uint64_t a6)
{
	__asm__("" : "+r"(fn)); /* an opaque pointer: an ordinary indirect call */
	flexos_wrpkru((uint32_t)flexos_comp_rt[to].pkru);
	uint64_t r = ((flexos_fn6_t)fn)(a1, a2, a3, a4, a5, a6);
	flexos_wrpkru((uint32_t)flexos_comp_rt[from].pkru);
	return r;
}
#define FLEXOS_INTELPKU_CALL(from, to, fn, ...)                                                  \
	flexos_intelpku_inline_call(from, to, fn, __VA_ARGS__)
#else
#define FLEXOS_INTELPKU_CALL(from, to, fn, ...)                                                  \
	flexos_intelpku_trampoline(__VA_ARGS__, fn, &flexos_comp_rt[from], &flexos_comp_rt[to])
#endif

#define flexos_intelpku_gate(from, to, f, ...)                                                   \
	(FLEXOS_TYPECHECK_CALL(f, __VA_ARGS__),                                                  \
	 (void)FLEXOS_INTELPKU_CALL((from), (to), FLEXOS_FN(f), FLEXOS_PACK(__VA_ARGS__)))

#define flexos_intelpku_gate_r(from, to, ret, f, ...)                                            \
	do {                                                                                     \
		FLEXOS_TYPECHECK_CALL_R(ret, f, __VA_ARGS__);                                    \
		FLEXOS_SET_RET(ret, (f)(__VA_ARGS__), FLEXOS_INTELPKU_CALL((from), (to), FLEXOS_FN(f), \
							 FLEXOS_PACK(__VA_ARGS__)));            \
	} while (0)

/* 1 once keys are set in this process (the main process of a deployment using intel-pku). */
extern int flexos_intelpku_active;

/* The same switch as the gate, for calls whose compartments are only known at run time (the
 * vmept server of the main process, start-up). */
uint64_t flexos_intelpku_call(int from, int to, uint64_t fn, uint64_t a1, uint64_t a2,
			      uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);

/* Start-up (called by __wrap_main): _require exits with status 77 and one line on stderr when
 * the CPU or kernel has no protection keys; _setup allocates the keys, tags the memory and
 * computes each compartment's PKRU. */
void flexos_intelpku_require(void);
void flexos_intelpku_setup(void);

#endif /* FLEXOS_INTELPKU_H */
