/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The system-call style entry points of ramfs and its descriptor table.
 * Each entry point takes the file system lock for its whole duration.
 */
#include <errno.h>
#include <string.h>
#include <uk/essentials.h>
#include <uk/assert.h>
#include <uk/syscall.h>
#include <ramfs/ramfs.h>
#include "ramfs_impl.h"

struct ramfs_fd {
	int used;
	int flags;
	__u64 off;
	struct ramfs_node *node;
};

static struct ramfs_fd fds[RAMFS_MAX_FDS];

static struct ramfs_fd *fd_get(int fd)
{
	if (fd < 0 || fd >= RAMFS_MAX_FDS || !fds[fd].used)
		return NULL;
	return &fds[fd];
}

static int fd_alloc(struct ramfs_node *node, int flags)
{
	int fd;

	for (fd = 0; fd < RAMFS_MAX_FDS; fd++) {
		if (fds[fd].used)
			continue;
		fds[fd].used = 1;
		fds[fd].flags = flags;
		fds[fd].off = 0;
		fds[fd].node = node;
		node->opencount++;
		return fd;
	}
	return -EMFILE;
}

static inline int fd_readable(const struct ramfs_fd *f)
{
	return (f->flags & RAMFS_O_ACCMODE) != RAMFS_O_WRONLY;
}

static inline int fd_writable(const struct ramfs_fd *f)
{
	return (f->flags & RAMFS_O_ACCMODE) != RAMFS_O_RDONLY;
}

static int do_open(const char *path, int flags)
{
	struct ramfs_node *parent, *node;
	char last[RAMFS_NAME_MAX];
	int rc, acc = flags & RAMFS_O_ACCMODE;

	if (acc == RAMFS_O_ACCMODE)
		return -EINVAL;
	rc = ramfs_walk(path, &parent, &node, last);
	if (rc < 0)
		return rc;
	if (!node) {
		if (!(flags & RAMFS_O_CREAT))
			return -ENOENT;
		node = ramfs_node_new(parent, last, RAMFS_TYPE_FILE);
		if (!node)
			return -ENOSPC;
	} else if ((flags & RAMFS_O_CREAT) && (flags & RAMFS_O_EXCL)) {
		return -EEXIST;
	}
	if (node->type == RAMFS_TYPE_DIR && acc != RAMFS_O_RDONLY)
		return -EISDIR;
	if ((flags & RAMFS_O_TRUNC) && acc != RAMFS_O_RDONLY &&
	    node->type == RAMFS_TYPE_FILE)
		ramfs_file_truncate(node);
	return fd_alloc(node, flags);
}

UK_SYSCALL_R_DEFINE(int, ramfs_open, const char *, path, int, flags)
{
	int rc;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	rc = do_open(path, flags);
	ramfs_unlock();
	return rc;
}

UK_SYSCALL_R_DEFINE(ssize_t, ramfs_read, int, fd, void *, buf, size_t, count)
{
	struct ramfs_fd *f;
	__ssz n;
	int rc;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	f = fd_get(fd);
	if (!f) {
		n = -EBADF;
	} else if (!fd_readable(f)) {
		n = -EBADF;
	} else if (f->node->type != RAMFS_TYPE_FILE) {
		n = -EISDIR;
	} else {
		n = ramfs_file_read(f->node, f->off, buf, count);
		if (n > 0)
			f->off += (__u64)n;
	}
	ramfs_unlock();
	return n;
}

UK_SYSCALL_R_DEFINE(ssize_t, ramfs_write, int, fd, const void *, buf,
		    size_t, count)
{
	struct ramfs_fd *f;
	__ssz n;
	int rc;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	f = fd_get(fd);
	if (!f || !fd_writable(f)) {
		n = -EBADF;
	} else {
		if (f->flags & RAMFS_O_APPEND)
			f->off = f->node->size;
		n = ramfs_file_write(f->node, f->off, buf, count);
		if (n > 0)
			f->off += (__u64)n;
	}
	ramfs_unlock();
	return n;
}

UK_SYSCALL_R_DEFINE(off_t, ramfs_lseek, int, fd, off_t, offset, int, whence)
{
	struct ramfs_fd *f;
	__s64 base, pos;
	int rc;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	f = fd_get(fd);
	if (!f) {
		pos = -EBADF;
		goto out;
	}
	switch (whence) {
	case RAMFS_SEEK_SET:
		base = 0;
		break;
	case RAMFS_SEEK_CUR:
		base = (__s64)f->off;
		break;
	case RAMFS_SEEK_END:
		base = (__s64)f->node->size;
		break;
	default:
		pos = -EINVAL;
		goto out;
	}
	pos = base + (__s64)offset;
	if (pos < 0) {
		pos = -EINVAL;
		goto out;
	}
	f->off = (__u64)pos;
out:
	ramfs_unlock();
	return (off_t)pos;
}

UK_SYSCALL_R_DEFINE(int, ramfs_close, int, fd)
{
	struct ramfs_fd *f;
	struct ramfs_node *n;
	int rc;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	f = fd_get(fd);
	if (!f) {
		rc = -EBADF;
	} else {
		n = f->node;
		memset(f, 0, sizeof(*f));
		UK_ASSERT(n->opencount > 0);
		n->opencount--;
		/* Unlinked while open: this was the last reference. */
		if (n->unlinked && n->opencount == 0)
			ramfs_node_destroy(n);
	}
	ramfs_unlock();
	return rc;
}

UK_SYSCALL_R_DEFINE(int, ramfs_unlink, const char *, path)
{
	struct ramfs_node *parent, *node;
	char last[RAMFS_NAME_MAX];
	int rc;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	rc = ramfs_walk(path, &parent, &node, last);
	if (rc == 0 && !node)
		rc = -ENOENT;
	else if (rc == 0 && node->type == RAMFS_TYPE_DIR)
		rc = -EISDIR;
	else if (rc == 0)
		ramfs_node_release(node);
	ramfs_unlock();
	return rc;
}

UK_SYSCALL_R_DEFINE(int, ramfs_mkdir, const char *, path)
{
	struct ramfs_node *parent, *node;
	char last[RAMFS_NAME_MAX];
	int rc;

	rc = ramfs_lock();
	if (rc < 0)
		return rc;
	rc = ramfs_walk(path, &parent, &node, last);
	if (rc == 0 && node)
		rc = -EEXIST;
	else if (rc == 0 && !ramfs_node_new(parent, last, RAMFS_TYPE_DIR))
		rc = -ENOSPC;
	ramfs_unlock();
	return rc;
}
