/*
 * bcryptprimitives.dll shim for Wine.
 *
 * Go 1.26 windows binaries import ProcessPrng from bcryptprimitives.dll to
 * get random bytes. Wine 8.0 (Debian 12) has no such export, so Go programs
 * die at start-up. This tiny DLL provides ProcessPrng on top of RtlGenRandom
 * (advapi32!SystemFunction036). scripts/setup.sh builds it with
 *
 *   x86_64-w64-mingw32-gcc -shared -o bcryptprimitives.dll \
 *       bcryptprimitives.c bcryptprimitives.def -ladvapi32
 *
 * and copies it into $WINEPREFIX/drive_c/windows/system32/. It is only used
 * for running tests under Wine; real Windows has its own DLL.
 *
 * SPDX-License-Identifier: MIT
 * Copyright (c) the goafd authors.
 */
#include <windows.h>
#include <ntsecapi.h> /* RtlGenRandom (SystemFunction036) */

BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData)
{
    /* RtlGenRandom takes a ULONG length: feed large requests in chunks. */
    while (cbData > 0) {
        ULONG n = cbData > 0x40000000 ? 0x40000000 : (ULONG)cbData;
        if (!RtlGenRandom(pbData, n))
            return FALSE;
        pbData += n;
        cbData -= n;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst;
    (void)reason;
    (void)reserved;
    return TRUE;
}
