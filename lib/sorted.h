/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Binary search in an array of n elements of size bytes each, sorted by
 * strcmp() of the string a char * member at key_offset points to. Returns
 * the index where key is, or where it would be inserted to keep the order;
 * *found says which. */
size_t sorted_search_str(const void *base, size_t n, size_t size, size_t key_offset, const char *key,
                         bool *found);
