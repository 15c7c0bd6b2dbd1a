/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ramfs internals shared by its source files. Nothing here is listed in
 * exportsyms.uk.
 */
#ifndef __RAMFS_IMPL_H__
#define __RAMFS_IMPL_H__

#include <uk/essentials.h>
#include <uk/list.h>
#include <uk/alloc.h>
#include <ramfs/ramfs.h>

#define RAMFS_CHUNK_SIZE 512

struct ramfs_node {
	struct uk_list_head sibling;   /* in the parent's children list */
	struct uk_list_head children;  /* directories only */
	struct uk_list_head chunks;    /* files only: data, in file order */
	struct ramfs_node *parent;
	__u64 size;
	__u32 ino;
	__u32 type;
	__u32 nchunks;
	__u32 opencount;
	int unlinked;                  /* unlinked while still open */
	char name[RAMFS_NAME_MAX];
};

struct ramfs_chunk {
	struct uk_list_head list;
	__u8 data[RAMFS_CHUNK_SIZE];
};

/* The heap every ramfs structure and data chunk is allocated from. */
extern struct uk_alloc ramfs_heap;

/* Serialise file system operations; ramfs_lock() fails with -ENODEV before
 * ramfs_init().
 */
int ramfs_lock(void);
void ramfs_unlock(void);

struct ramfs_node *ramfs_node_new(struct ramfs_node *parent,
				  const char *name, __u32 type);
/* Detach `n` from its directory; free it unless it is still open. */
void ramfs_node_release(struct ramfs_node *n);
/* Free an already detached node and its data. */
void ramfs_node_destroy(struct ramfs_node *n);

/* Resolve `path`. On success *parent is the directory that holds (or would
 * hold) the last component, copied to `last`, and *node the entry itself
 * or NULL when it does not exist.
 */
int ramfs_walk(const char *path, struct ramfs_node **parent,
	       struct ramfs_node **node, char last[RAMFS_NAME_MAX]);

struct ramfs_node *ramfs_lookup(const char *path);

__ssz ramfs_file_read(struct ramfs_node *n, __u64 off, void *buf, __sz len);
__ssz ramfs_file_write(struct ramfs_node *n, __u64 off, const void *buf,
		       __sz len);
void ramfs_file_truncate(struct ramfs_node *n);

__u32 ramfs_dir_count(const struct ramfs_node *dir);

#endif /* __RAMFS_IMPL_H__ */
