/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "build-config.h"

int main(int argc, char *argv[]) {
        if (argc > 1 && strcmp(argv[1], "--version") == 0) {
                printf("cgctl %s\n", PACKAGE_VERSION);
                return 0;
        }
        fprintf(stderr, "cgctl: not implemented yet\n");
        return 2;
}
