/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Every target in tests/fuzz defines this (libFuzzer's entry point). With
 * -Dfuzzing=false, fuzz-main.c calls it for each corpus file instead. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Most parsers take a NUL-terminated string: a copy of the input, cut at
 * its first NUL, as a C caller would see it. NULL on OOM. */
char *fuzz_strndup(const uint8_t *data, size_t size);
