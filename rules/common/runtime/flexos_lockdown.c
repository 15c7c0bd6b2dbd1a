/*
 * The last step of start-up in every process of a deployment that isolates compartments: what a
 * compromised compartment could use to undo the isolation through the kernel is taken away.
 *
 *  - PR_SET_DUMPABLE 0: other processes of the same user may not ptrace this one or open its
 *    /proc/<pid>/mem (a process with CAP_SYS_PTRACE, e.g. root, still could: hence the rest);
 *  - a seccomp filter (the calling process and, inherited, its future children):
 *      ptrace, process_vm_readv/writev, pidfd_getfd, pkey_mprotect, pkey_free  -> EPERM
 *      prctl(PR_SET_DUMPABLE, …)                                                 -> EPERM
 *      mprotect, munmap, mremap, madvise, mmap whose [addr, addr+len) meets a
 *      fenced range (the executable image with every compartment's sections, the
 *      compartment stacks, the RPC channels, the runtime's own state)          -> EPERM
 *      any x32 system call                                                       -> EPERM
 *  - Landlock (Linux >= 5.13, when the kernel enables it): files under /proc/<pid>/ cannot be
 *    opened for reading or writing except this process's own (not even those when several
 *    compartments share the process); the rest of the file system is unaffected.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <flexos/isolation.h>
#include <flexos/internal.h>

#define MAX_FENCES 24

static struct {
	uint64_t lo, hi;
} fences[MAX_FENCES];
static int nfences;

void flexos_rt_fence(const void *lo, const void *hi)
{
	if (hi <= lo)
		return;
	if (nfences == MAX_FENCES)
		flexos_rt_die("too many fenced memory ranges (%d)", MAX_FENCES);
	fences[nfences].lo = (uint64_t)(uintptr_t)lo;
	fences[nfences].hi = (uint64_t)(uintptr_t)hi;
	nfences++;
}

/* ---- a tiny classic-BPF assembler with forward labels ---- */
#define MAX_INSNS 1024
static struct sock_filter prog[MAX_INSNS];
static int ninsns;
enum { L_DENY, L_ALLOW, L_PRCTL, L_RANGED, NUM_LABELS };
static int label_at[NUM_LABELS];
static struct {
	int insn, label;
} fixups[128];
static int nfixups;

static void emit(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (ninsns == MAX_INSNS)
		flexos_rt_die("seccomp filter too long");
	prog[ninsns++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* if (A == k) goto label */
static void jeq_label(uint32_t k, int label)
{
	if (nfixups == (int)(sizeof(fixups) / sizeof(fixups[0])))
		flexos_rt_die("seccomp filter: too many jumps");
	fixups[nfixups].insn = ninsns;
	fixups[nfixups].label = label;
	nfixups++;
	emit(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0);
}

static void place(int label)
{
	label_at[label] = ninsns;
}

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#define DENY (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

static void build_filter(void)
{
	static const int always_denied[] = { SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev,
					     SYS_pidfd_getfd, SYS_pkey_mprotect, SYS_pkey_free };
	static const int ranged[] = { SYS_mprotect, SYS_munmap, SYS_mremap, SYS_madvise, SYS_mmap };
	ninsns = nfixups = 0;
	emit(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	emit(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	emit(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	emit(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	emit(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1); /* x32 */
	emit(BPF_RET | BPF_K, DENY, 0, 0);
	for (unsigned i = 0; i < sizeof(always_denied) / sizeof(always_denied[0]); i++)
		jeq_label((uint32_t)always_denied[i], L_DENY);
	jeq_label(SYS_prctl, L_PRCTL);
	for (unsigned i = 0; i < sizeof(ranged) / sizeof(ranged[0]); i++)
		jeq_label((uint32_t)ranged[i], L_RANGED);
	place(L_ALLOW);
	emit(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	place(L_DENY);
	emit(BPF_RET | BPF_K, DENY, 0, 0);
	place(L_PRCTL);
	emit(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
	emit(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_DUMPABLE, 0, 1);
	emit(BPF_RET | BPF_K, DENY, 0, 0);
	emit(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);

	/* M[0..1] = addr (lo, hi), M[2..3] = end = addr + len (lo, hi; a wrap-around is clamped
	 * to the top of the address space) */
	place(L_RANGED);
	emit(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
	emit(BPF_ST, 0, 0, 0);
	emit(BPF_LD | BPF_W | BPF_ABS, ARG_HI(0), 0, 0);
	emit(BPF_ST, 1, 0, 0);
	emit(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1), 0, 0); /* A = len_lo */
	emit(BPF_LDX | BPF_W | BPF_MEM, 0, 0, 0);        /* X = addr_lo */
	emit(BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0);        /* A = end_lo */
	emit(BPF_ST, 2, 0, 0);
	/* carry = end_lo < addr_lo */
	emit(BPF_JMP | BPF_JGE | BPF_X, 0, 2, 0);        /* end_lo >= addr_lo: no carry */
	emit(BPF_LD | BPF_IMM, 1, 0, 0);
	emit(BPF_JMP | BPF_JA, 1, 0, 0);
	emit(BPF_LD | BPF_IMM, 0, 0, 0);
	emit(BPF_ST, 3, 0, 0);                           /* M[3] = carry */
	emit(BPF_LD | BPF_W | BPF_ABS, ARG_HI(1), 0, 0); /* A = len_hi */
	emit(BPF_LDX | BPF_W | BPF_MEM, 1, 0, 0);        /* X = addr_hi */
	emit(BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0);
	emit(BPF_LDX | BPF_W | BPF_MEM, 3, 0, 0);
	emit(BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0);        /* A = end_hi (mod 2^32) */
	emit(BPF_LDX | BPF_W | BPF_MEM, 1, 0, 0);
	emit(BPF_JMP | BPF_JGE | BPF_X, 0, 3, 0);        /* end_hi >= addr_hi: no wrap */
	emit(BPF_LD | BPF_IMM, 0xffffffffu, 0, 0);       /* wrapped: end = 2^64 - 1 */
	emit(BPF_ST, 2, 0, 0);
	emit(BPF_JMP | BPF_JA, 0, 0, 0);
	emit(BPF_ST, 3, 0, 0);                           /* M[3] = end_hi */
	for (int f = 0; f < nfences; f++) {
		uint32_t hh = (uint32_t)(fences[f].hi >> 32), hl = (uint32_t)fences[f].hi;
		uint32_t lh = (uint32_t)(fences[f].lo >> 32), ll = (uint32_t)fences[f].lo;
		/* deny when addr < hi && end > lo; 11 instructions, the last one the deny */
		emit(BPF_LD | BPF_W | BPF_MEM, 1, 0, 0);           /* i0: A = addr_hi */
		emit(BPF_JMP | BPF_JGT | BPF_K, hh, 9, 0);         /* i1 */
		emit(BPF_JMP | BPF_JEQ | BPF_K, hh, 0, 2);         /* i2 */
		emit(BPF_LD | BPF_W | BPF_MEM, 0, 0, 0);           /* i3: A = addr_lo */
		emit(BPF_JMP | BPF_JGE | BPF_K, hl, 6, 0);         /* i4 */
		emit(BPF_LD | BPF_W | BPF_MEM, 3, 0, 0);           /* i5: A = end_hi */
		emit(BPF_JMP | BPF_JGT | BPF_K, lh, 3, 0);         /* i6 */
		emit(BPF_JMP | BPF_JEQ | BPF_K, lh, 0, 3);         /* i7 */
		emit(BPF_LD | BPF_W | BPF_MEM, 2, 0, 0);           /* i8: A = end_lo */
		emit(BPF_JMP | BPF_JGT | BPF_K, ll, 0, 1);         /* i9 */
		emit(BPF_RET | BPF_K, DENY, 0, 0);                 /* i10 */
	}
	emit(BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	for (int i = 0; i < nfixups; i++) {
		int off = label_at[fixups[i].label] - (fixups[i].insn + 1);
		if (off < 0 || off > 255)
			flexos_rt_die("seccomp filter: jump out of range");
		prog[fixups[i].insn].jt = (uint8_t)off;
	}
}

/* Landlock: every top-level entry of the file system may be opened as before, except /proc,
 * where only the entries that are not process directories are (plus our own unless
 * deny_own_proc). */
struct flexos_ll_ruleset_attr {
	uint64_t handled_access_fs;
};

static int add_rule(int ruleset, const char *path, uint64_t access)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0; /* vanished: nothing to allow */
	struct landlock_path_beneath_attr attr = { .allowed_access = access, .parent_fd = fd };
	long r = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0);
	if (r != 0 && errno == EINVAL) {
		/* a file, not a directory: only file rights apply */
		attr.allowed_access = access & (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE);
		r = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0);
	}
	close(fd);
	return r == 0 || errno == EINVAL ? 0 : -1;
}

static int numeric(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int flexos_rt_landlock_active;

static void landlock(int deny_own_proc)
{
	const uint64_t access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE;
	struct flexos_ll_ruleset_attr attr = { .handled_access_fs = access };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return; /* no Landlock here: README, "Hardened gates" */
	char path[PATH_MAX];
	char self[32];
	snprintf(self, sizeof(self), "%d", (int)getpid());
	int ok = 0;
	DIR *root = opendir("/");
	if (root) {
		struct dirent *e;
		ok = 1;
		while ((e = readdir(root))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "proc"))
				continue;
			snprintf(path, sizeof(path), "/%s", e->d_name);
			if (add_rule(rs, path, access) != 0)
				ok = 0;
		}
		closedir(root);
	}
	DIR *proc = opendir("/proc");
	if (proc) {
		struct dirent *e;
		while ((e = readdir(proc))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "self") ||
			    !strcmp(e->d_name, "thread-self"))
				continue;
			if (numeric(e->d_name) && (deny_own_proc || strcmp(e->d_name, self)))
				continue;
			snprintf(path, sizeof(path), "/proc/%s", e->d_name);
			if (add_rule(rs, path, access) != 0)
				ok = 0;
		}
		closedir(proc);
	}
	if (ok && syscall(SYS_landlock_restrict_self, rs, 0) == 0)
		flexos_rt_landlock_active = 1;
	close(rs);
}

void flexos_rt_lockdown(int deny_own_proc)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		flexos_rt_die("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		flexos_rt_die("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	landlock(deny_own_proc);
	build_filter();
	struct sock_fprog fp = { .len = (unsigned short)ninsns, .filter = prog };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0)
		flexos_rt_die("seccomp: %s", strerror(errno));
}
