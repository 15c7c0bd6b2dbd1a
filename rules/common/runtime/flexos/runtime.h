/*
 * flexos/runtime.h — the Linux userspace runtime shared by every mechanism.
 *
 * Included by the generated <flexos/isolation.h> after it has defined
 * FLEXOS_NUM_COMPARTMENTS and exactly one of FLEXOS_SHARING_SHARED_STACK,
 * FLEXOS_SHARING_DSS, FLEXOS_SHARING_HEAP. Provides: mechanism ids, the
 * compartment table macros used by deployment.c, the linker-script section
 * symbols, the shared allocator, FLEXOS_SHARED_LITERAL, flexos_dss_ptr and the
 * argument marshalling used by the isolating gates. See rules/common/README.md.
 */
#ifndef FLEXOS_RUNTIME_H
#define FLEXOS_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifndef FLEXOS_NUM_COMPARTMENTS
#error "flexos/runtime.h: include <flexos/isolation.h> (it defines FLEXOS_NUM_COMPARTMENTS)"
#endif

#if defined(FLEXOS_SHARING_SHARED_STACK) + defined(FLEXOS_SHARING_DSS) + \
    defined(FLEXOS_SHARING_HEAP) != 1
#error "flexos/runtime.h: define exactly one of FLEXOS_SHARING_{SHARED_STACK,DSS,HEAP}"
#endif

/* ---- mechanisms ------------------------------------------------------------------------------
 * isolation.h defines FLEXOS_MECH_<DRIVER> for every rules/<m>/mechanism.yaml (its strength) and
 * FLEXOS_MECH_IDS, and
 * the generated mechanisms.c lists the deployment's mechanisms with their runtime hooks; the
 * common start-up walks that list and names no mechanism. */
#ifndef FLEXOS_MECH_IDS
#error "flexos/runtime.h: isolation.h must define the FLEXOS_MECH_* ids (it is generated)"
#endif

struct flexos_comp_state;
struct flexos_mechanism {
	int id;                /* FLEXOS_MECH_* */
	const char *driver;    /* kraft.yaml name */
	int own_process;       /* every compartment but the default one runs in a process of its own */
	int shares_process;    /* several compartments share the main process, separated by it */
	/* __wrap_main, in this order, each over every mechanism used: */
	void (*require)(void);            /* exit 77 with one line when this machine cannot run it */
	void (*start)(void *entry_frame); /* e.g. fork; returns in the main process only */
	void (*setup)(void);              /* main process, after every start */
	int (*active)(void);              /* set up and switching in this process */
	/* a call into one of its compartments living in this process, on behalf of compartment
	 * `from` of another process (the vmept server relays it) */
	uint64_t (*call)(int from, int to, uint64_t id, uint64_t a[6]);
	/* runs main as the default compartment (that compartment's mechanism's; NULL: a plain
	 * switch to its stack) */
	int (*run_main)(int argc, char **argv, char **envp, void *main_fn);
};
/* NULL-terminated; generated per deployment (flexos/mechanisms.c). */
extern const struct flexos_mechanism *const flexos_mechanisms[];

#define FLEXOS_MAX_COMPARTMENTS 16
_Static_assert(FLEXOS_NUM_COMPARTMENTS >= 1 && FLEXOS_NUM_COMPARTMENTS <= FLEXOS_MAX_COMPARTMENTS,
               "FLEXOS_NUM_COMPARTMENTS must be between 1 and 16");

/* The compartment whose process runs main() (the kraft.yaml `default: true` one). */
#ifndef FLEXOS_DEFAULT_COMPARTMENT
#define FLEXOS_DEFAULT_COMPARTMENT 0
#endif
_Static_assert(FLEXOS_DEFAULT_COMPARTMENT >= 0 &&
		       FLEXOS_DEFAULT_COMPARTMENT < FLEXOS_NUM_COMPARTMENTS,
	       "FLEXOS_DEFAULT_COMPARTMENT out of range");

/* ---- stacks and the data shadow stack ------------------------------------------------------ */
/* Every compartment gets a private stack of FLEXOS_STACK_SIZE bytes; under DSS the shadow of a
 * stack byte at address a is a + FLEXOS_DSS_OFFSET (the region right above the stack). */
#ifndef FLEXOS_STACK_SIZE
#define FLEXOS_STACK_SIZE (8UL << 20)
#endif
_Static_assert(FLEXOS_STACK_SIZE % 4096 == 0 && FLEXOS_STACK_SIZE >= 65536,
               "FLEXOS_STACK_SIZE must be a multiple of 4096 and at least 64 KiB");
#define FLEXOS_DSS_OFFSET FLEXOS_STACK_SIZE
/* (void *)((char *)(p) + FLEXOS_DSS_OFFSET), with the pointer laundered through an empty asm so
 * that gcc does not treat the result as an out-of-bounds access to the local (-Warray-bounds,
 * and optimisations based on it). */
#define flexos_dss_ptr(p)                                                                        \
	(__extension__({                                                                         \
		char *__flexos_dss = (char *)(p);                                                \
		__asm__("" : "+r"(__flexos_dss));                                                \
		(void *)(__flexos_dss + FLEXOS_DSS_OFFSET);                                      \
	}))

/* ---- section symbols (defined by flexos_extra.ld) ------------------------------------------ */
#define FLEXOS_HIDDEN __attribute__((visibility("hidden")))
#define FLEXOS_DECLARE_COMPARTMENT_SECTIONS(n)                                                   \
	extern char __flexos_data_comp##n##_start[] FLEXOS_HIDDEN;                               \
	extern char __flexos_data_comp##n##_end[] FLEXOS_HIDDEN;                                 \
	extern char __flexos_bss_comp##n##_start[] FLEXOS_HIDDEN;                                \
	extern char __flexos_bss_comp##n##_end[] FLEXOS_HIDDEN;                                 \
	extern char __flexos_rodata_comp##n##_start[] FLEXOS_HIDDEN;                             \
	extern char __flexos_rodata_comp##n##_end[] FLEXOS_HIDDEN;
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(0)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(1)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(2)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(3)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(4)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(5)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(6)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(7)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(8)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(9)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(10)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(11)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(12)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(13)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(14)
FLEXOS_DECLARE_COMPARTMENT_SECTIONS(15)
extern char __flexos_data_shared_start[] FLEXOS_HIDDEN;
extern char __flexos_data_shared_end[] FLEXOS_HIDDEN;

/* ---- the compartment table (deployment.c) -------------------------------------------------- */
struct flexos_compartment {
	int id;
	const char *name;
	int mech; /* FLEXOS_MECH_* */
	char *data_start, *data_end; /* .data_comp<id>: private data */
	char *bss_start, *bss_end;   /* .bss_comp<id> */
	char *rodata_start, *rodata_end; /* .rodata_comp<id>: private read-only data (made so) */
};

extern const struct flexos_compartment flexos_compartments[FLEXOS_NUM_COMPARTMENTS];

#define FLEXOS_COMPARTMENTS_BEGIN                                                                \
	const struct flexos_compartment flexos_compartments[FLEXOS_NUM_COMPARTMENTS] = {
#define FLEXOS_COMPARTMENT(id, name, mech)                                                       \
	[id] = { id, name, mech, __flexos_data_comp##id##_start, __flexos_data_comp##id##_end,   \
		 __flexos_bss_comp##id##_start, __flexos_bss_comp##id##_end,                     \
		 __flexos_rodata_comp##id##_start, __flexos_rodata_comp##id##_end },
#define FLEXOS_COMPARTMENTS_END };

/* ---- shared data ---------------------------------------------------------------------------- */
/* Everything placed in .data_shared must be non-const (gcc: "section type conflict"). */
#define FLEXOS_SHARED_LITERAL(s)                                                                 \
	({                                                                                       \
		static char __flexos_literal[] __attribute__((section(".data_shared"))) = s;     \
		__flexos_literal;                                                                \
	})

void *flexos_shared_malloc(size_t size);
void *flexos_shared_calloc(size_t n, size_t size);
void *flexos_shared_realloc(void *p, size_t size);
void *flexos_shared_memalign(size_t align, size_t size);
void flexos_shared_free(void *p);
void *flexos_shared_palloc(size_t npages);
void flexos_shared_pfree(void *p, size_t npages);

/* Shared-heap groups (issue 11): `flexos_malloc_whitelist(size, libs…)` allocates in the region
 * of the group of compartments its libraries (and the allocating one) are in, mapped or keyed
 * for those compartments only. The rewrite names a group `__flexos_group_<c>_<c>…` (its
 * compartment ids; an enum constant of the generated flexos/groups.h, the group's index) and
 * generates the table (flexos/groups.c); an allocation whose group is every compartment stays
 * a plain flexos_shared_malloc. Blocks of every group are freed with flexos_shared_free. */
#define FLEXOS_MAX_SHARED_GROUPS 64
struct flexos_shared_groups {
	const uint32_t *members; /* bit c: compartment c; [0]: every compartment */
	unsigned count;
};
extern const struct flexos_shared_groups flexos_shared_groups; /* flexos/groups.c */
void *flexos_shared_group_malloc(unsigned group, size_t size);
void *flexos_shared_group_calloc(unsigned group, size_t n, size_t size);
void *flexos_shared_group_realloc(unsigned group, void *p, size_t size);
void *flexos_shared_group_memalign(unsigned group, size_t align, size_t size);
void *flexos_shared_group_palloc(unsigned group, size_t npages);

/* ---- per-compartment runtime state (runtime memory: key 0, per process) ------------------- */
struct flexos_comp_state {
	uint64_t pkru;      /* offset 0: PKRU while this compartment runs (intel-pku) */
	void *sp;           /* offset 8: where the next entry into this compartment starts its frame */
	char *stack_lo;     /* private stack [stack_lo, stack_hi); shadow above it under DSS */
	char *stack_hi;
	int host;           /* process that runs this compartment (0 = the main process) */
} __attribute__((aligned(64)));

/* Page aligned and padded, so that a mechanism can make the table read-only after set-up. */
union flexos_comp_rt_page {
	struct flexos_comp_state c[FLEXOS_NUM_COMPARTMENTS];
	char page[(sizeof(struct flexos_comp_state) * FLEXOS_NUM_COMPARTMENTS + 4095) / 4096 * 4096];
};
extern union flexos_comp_rt_page flexos_comp_rt_page;
#define flexos_comp_rt (flexos_comp_rt_page.c)

/* ---- gate argument marshalling (integer/pointer class, at most 6) ------------------------- */
typedef uint64_t (*flexos_fn6_t)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

/* The argument's value is read through `(void)0, (a)`: an rvalue of a's type, so a bit-field
 * (which __auto_type and & refuse) is read as its value; arrays and functions decay. Its low
 * bytes are what the callee's parameter type reads: the conversion a direct call makes, for
 * every integer and pointer parameter type. */
#define FLEXOS_ARG(a)                                                                            \
	(__extension__({                                                                         \
		__typeof__((void)0, (a)) __flexos_arg = (a);                                    \
		_Static_assert(sizeof(__flexos_arg) <= 8 &&                                      \
				       __builtin_classify_type(__flexos_arg) != 8 &&             \
				       __builtin_classify_type(__flexos_arg) != 9,               \
			       "flexos gate: arguments must be integer or pointer class"); \
		(uint64_t)(uintptr_t)__flexos_arg;                                               \
	}))
#define FLEXOS_NARGS_(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define FLEXOS_NARGS(...)                                                                        \
	FLEXOS_NARGS_(_ __VA_OPT__(, ) __VA_ARGS__, X, X, X, X, X, X, 6, 5, 4, 3, 2, 1, 0)
#define FLEXOS_CAT_(a, b) a##b
#define FLEXOS_CAT(a, b) FLEXOS_CAT_(a, b)
#define FLEXOS_PACK_0() 0, 0, 0, 0, 0, 0
#define FLEXOS_PACK_1(a) FLEXOS_ARG(a), 0, 0, 0, 0, 0
#define FLEXOS_PACK_2(a, b) FLEXOS_ARG(a), FLEXOS_ARG(b), 0, 0, 0, 0
#define FLEXOS_PACK_3(a, b, c) FLEXOS_ARG(a), FLEXOS_ARG(b), FLEXOS_ARG(c), 0, 0, 0
#define FLEXOS_PACK_4(a, b, c, d) FLEXOS_ARG(a), FLEXOS_ARG(b), FLEXOS_ARG(c), FLEXOS_ARG(d), 0, 0
#define FLEXOS_PACK_5(a, b, c, d, e)                                                             \
	FLEXOS_ARG(a), FLEXOS_ARG(b), FLEXOS_ARG(c), FLEXOS_ARG(d), FLEXOS_ARG(e), 0
#define FLEXOS_PACK_6(a, b, c, d, e, f)                                                          \
	FLEXOS_ARG(a), FLEXOS_ARG(b), FLEXOS_ARG(c), FLEXOS_ARG(d), FLEXOS_ARG(e), FLEXOS_ARG(f)
#define FLEXOS_PACK_X(...) flexos_error_a_gate_takes_at_most_6_arguments
/* The six uint64_t arguments of a gate call, zero-filled. */
#define FLEXOS_PACK(...) FLEXOS_CAT(FLEXOS_PACK_, FLEXOS_NARGS(__VA_ARGS__))(__VA_ARGS__)
#define FLEXOS_FN(f) ((uint64_t)(uintptr_t)(f))

/* ---- entry tables (generated per deployment: flexos/entries.h and entries.c) -------------- */
/* A gate names its callee by an index into the callee compartment's table of entries: the
 * functions other compartments have gates to (gated callees, callback implementations). The
 * callee side checks the index, the argument count and that the caller's compartment has a gate
 * to that entry, and refuses anything else (flexos_rt_entry). The tables are const (.rodata, or
 * RELRO in a PIE): read-only once the program runs. */
struct flexos_entry {
	uint64_t fn;          /* the function */
	const char *name;     /* for reports */
	uint32_t callers;     /* bit c: compartment c has a gate to this entry */
	uint8_t arity;        /* number of arguments */
	uint8_t pointer_args; /* bit i: argument i is a pointer (range-checked, FLEXOS_CHECK_POINTER_ARGS) */
};
struct flexos_entry_table {
	const struct flexos_entry *entries;
	uint32_t count;
};
extern const struct flexos_entry_table flexos_entry_tables[FLEXOS_NUM_COMPARTMENTS];
/* The index of `f` in its compartment's table (an enum constant of flexos/entries.h): a gate to
 * a function the deployment does not know fails to compile. */
#define FLEXOS_ENTRY(f) FLEXOS_CAT(__flexos_entry_, f)
/* What a gate sends: entry index | argument count << 32. */
#define FLEXOS_CALL_ID(f, ...)                                                                   \
	((uint64_t)FLEXOS_ENTRY(f) | ((uint64_t)FLEXOS_NARGS(__VA_ARGS__) << 32))
/* `FLEXOS_ENTRY_ALIAS(f);` after a static function that other compartments enter (a callback
 * implementation): gives the generated table a hidden global name for it. */
#define FLEXOS_ENTRY_ALIAS(f)                                                                    \
	extern __typeof__(f) __flexos_ref_##f __attribute__((alias(#f), visibility("hidden")))
/* The callee side of a gate: checks call `id` from compartment `from` into `to` (index in
 * range, argument count, caller→callee edge, pointer arguments when FLEXOS_CHECK_POINTER_ARGS),
 * zeroes the argument slots beyond the entry's arity, and returns the function. Refusal is
 * fatal: "flexos: refused call from compartment <a> into <b>: …", status 70. */
uint64_t flexos_rt_entry(int from, int to, uint64_t id, uint64_t args[6]);

/* Type-checks `f(args)` (and `ret = f(args)`) exactly like a direct call, evaluates nothing. */
#define FLEXOS_TYPECHECK_CALL(f, ...) ((void)sizeof((f)(__VA_ARGS__), 0))
#define FLEXOS_TYPECHECK_CALL_R(ret, f, ...) ((void)sizeof((ret) = (f)(__VA_ARGS__)))

/* Stores the callee's raw return register into `ret`: the low bytes the callee's result type
 * defines (`call` is the unevaluated call expression, which gives that type) are read as that
 * type, then assigned, so `ret` gets the conversion a direct `ret = f(…)` makes (an int8_t -1
 * into an int64_t stays -1). */
#define FLEXOS_SET_RET(ret, call, raw)                                                          \
	do {                                                                                     \
		__typeof__(call) __flexos_v;                                                    \
		uint64_t __flexos_raw = (raw);                                                   \
		_Static_assert(sizeof(__flexos_v) <= 8,                                          \
			       "flexos gate: return value must be integer or pointer class");    \
		__builtin_memcpy(&__flexos_v, &__flexos_raw, sizeof(__flexos_v));                 \
		(ret) = __flexos_v;                                                              \
	} while (0)

/* Structs and unions by value across an isolating gate (generated by the rewrite, see
 * src/transform/byvalue.ts): the caller copies each by-value argument to the shared heap and
 * passes the copy's address (FLEXOS_BYVAL_ARG, an expression evaluated where the argument
 * was); a generated stub in the callee's compartment unpacks it and writes a struct result to
 * `res`, which FLEXOS_BYVAL_R copies into `ret`. The caller frees both after the gate. */
void *flexos_byval_result(size_t size);
/* (copied as bytes: a struct with a const member can be initialised but not assigned) */
#define FLEXOS_BYVAL_ARG(p, a)                                                                   \
	(__extension__({                                                                         \
		__typeof__((void)0, (a)) __flexos_byval_v = (a);                                 \
		(p) = flexos_byval_result(sizeof *(p));                                          \
		__builtin_memcpy((p), &__flexos_byval_v, sizeof *(p));                           \
		(p);                                                                             \
	}))
#define FLEXOS_BYVAL_R(gate, from, to, ret, res, stub, ...)                                      \
	do {                                                                                     \
		gate(from, to, stub, __VA_ARGS__ __VA_OPT__(, ) res);                            \
		(ret) = *(res);                                                                  \
	} while (0)

/* Calls entry `id` (FLEXOS_CALL_ID) in compartment `to` of this process, switching protection and stack as the
 * mechanisms of this deployment require (used by the vmept server and by cross-mechanism
 * calls; a plain call when no switch is needed). */
uint64_t flexos_rt_local_call(int from, int to, uint64_t id, uint64_t a1, uint64_t a2,
			      uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);

/* Runs fn(a…) on the stack of `to` (from to->sp), then comes back; no protection change.
 * The stack pointer of the stack it leaves is saved in flexos_rt_cur_stack->sp for the
 * duration of the call (nested entries into that stack start below it) and restored after. */
uint64_t flexos_rt_switch_call(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
			       uint64_t a6, uint64_t fn, struct flexos_comp_state *from,
			       struct flexos_comp_state *to);

/* The compartment whose stack the thread is on (the boot pseudo-compartment before main). */
extern struct flexos_comp_state *flexos_rt_cur_stack FLEXOS_HIDDEN;
/* The pseudo-compartment of the process's original stack (libc start-up, constructors). */
extern struct flexos_comp_state flexos_rt_boot FLEXOS_HIDDEN;

/* Prints "flexos: <message>" to stderr and exits with status 70 (fatal runtime error). */
void flexos_rt_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* 1 once __wrap_main has started the deployment (processes forked, keys set). */
extern int flexos_rt_started;

/* The fcalls runtime (same-compartment gates) is part of every deployment. */
#include <flexos/nop.h>

#endif /* FLEXOS_RUNTIME_H */
